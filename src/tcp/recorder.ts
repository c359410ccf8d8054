import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import type { Counter, Gauge, Histogram } from '../core/handles.js';
import type { Labels } from '../core/labels.js';
import { splitLabels, validateDescription, validateMetricName } from '../core/labels.js';
import type { MetricKind, Recorder } from '../core/recorder.js';
import type { Unit } from '../core/units.js';
import { parseUnit } from '../core/units.js';
import { TAG, encodeLabelsPart, encodeMetadataEvent, encodeNamePart, encodeTimestampField, varintSize, writeVarint } from './encoding.js';

/** Counts a TcpRecorder keeps about itself. */
export interface TcpStats {
  /** Clients connected now. */
  clients: number;
  /** Events dropped because the ingress buffer was full. */
  droppedIngress: number;
  /** Events dropped from slow clients' queues (oldest first), summed over clients. */
  droppedClient: number;
  /** Events encoded into the ingress since start. */
  events: number;
}

/** Settings a TcpBuilder hands to the recorder. */
export interface TcpRecorderOptions {
  host: string;
  port: number;
  /** Events the ingress and each client queue hold at most; null: unbounded. */
  bufferSize: number | null;
  /** Where the recorder reports its own metrics (drops, clients). */
  selfMetrics?: Recorder;
}

/** An encoded run of events shared, read-only, by every client queue. */
interface Batch {
  readonly bytes: Uint8Array;
  /** Start of each event in `bytes`. */
  readonly offsets: Uint32Array;
}

interface Client {
  readonly socket: Socket;
  /** Queued batches; the first may be partly sent or dropped (from `head`). */
  readonly queue: Batch[];
  head: number;
  queued: number;
  closed: boolean;
  waiting: boolean;
}

const TIMESTAMP_EVERY = 256;
const HIGH_WATER = 256 * 1024;

/** Static parts of one series' events. @internal */
class TcpHandle implements Counter, Gauge, Histogram {
  private frac = 0;
  /** Everything of an event before the operation field, for one timestamp and op length. */
  tpl: Uint8Array = new Uint8Array(0);
  tplTs: Uint8Array | null = null;
  tplOpLen = 0;
  constructor(
    private readonly rec: TcpRecorder,
    readonly name: string,
    readonly namePart: Uint8Array,
    readonly labelsPart: Uint8Array,
  ) {}

  private bad(what: string, v: unknown, rule: string): MeterkitError {
    return new MeterkitError(ErrorCode.InvalidValue, `invalid ${what} ${describeValue(v)} for metric "${this.name}": ${rule}`);
  }

  increment(n = 1): void {
    // one handle class serves every kind; the recorder's register* picks which methods apply
    if (!(n >= 0 && n !== Infinity)) throw this.bad('counter increment', n, 'a counter increment must be a finite number ≥ 0');
    if (this.rec.clientCount === 0) return;
    let v = n;
    if (!Number.isInteger(n)) {
      // uint64 on the wire: carry the fraction so the stream's total stays right
      this.frac += n;
      v = Math.floor(this.frac);
      this.frac -= v;
      if (v === 0) return;
    }
    this.rec.push(this, TAG.incrementCounter, v);
  }

  absolute(v: number): void {
    if (!(v >= 0 && v !== Infinity)) throw this.bad('counter value', v, 'an absolute counter value must be a finite number ≥ 0');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.setCounter, Math.floor(v));
  }

  set(v: number): void {
    if (typeof v !== 'number') throw this.bad('gauge value', v, 'it must be a number');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.setGauge, v);
  }

  decrement(n = 1): void {
    if (typeof n !== 'number') throw this.bad('gauge decrement', n, 'it must be a number');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.decrementGauge, n);
  }

  gaugeIncrement(n = 1): void {
    if (typeof n !== 'number') throw this.bad('gauge increment', n, 'it must be a number');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.incrementGauge, n);
  }

  record(v: number): void {
    if (typeof v !== 'number' || v !== v) throw this.bad('histogram value', v, 'a histogram value must be a number and not NaN');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.recordHistogram, v);
  }

  recordMany(v: number, n: number): void {
    if (typeof v !== 'number' || v !== v) throw this.bad('histogram value', v, 'a histogram value must be a number and not NaN');
    if (!(n >= 0 && Number.isInteger(n))) throw this.bad('observation count', n, 'recordMany needs a whole number ≥ 0');
    if (this.rec.clientCount === 0) return;
    this.rec.pushMany(this, v, n);
  }
}

/** A gauge view of a TcpHandle: `increment` means increment_gauge. */
class TcpGauge implements Gauge {
  constructor(private readonly h: TcpHandle) {}
  increment(n?: number): void {
    this.h.gaugeIncrement(n);
  }
  decrement(n?: number): void {
    this.h.decrement(n);
  }
  set(v: number): void {
    this.h.set(v);
  }
}

const HANDLE_CACHE_LIMIT = 10_000;

/**
 * A Recorder that pushes every metric operation, as it happens, to every connected TCP
 * client, in the wire format of Rust's metrics-exporter-tcp (proto/event.proto).
 *
 * ## Backpressure
 * Operations are encoded into an ingress buffer of at most `bufferSize` events, flushed on the
 * next turn of the event loop; when it is full, new events are dropped
 * (`meterkit_tcp_dropped_events_total{reason="ingress"}`). Each client has its own queue of at
 * most `bufferSize` events: a client too slow to keep up loses its oldest events first
 * (`reason="client"`), never a part of one. At most about 256 KiB wait in a client's socket
 * beyond its queue. Memory per client is therefore bounded by `bufferSize` events plus that,
 * and the ingress by `bufferSize` events. With no client connected an operation returns at
 * once and nothing is queued. `bufferSize(null)` removes both bounds: a stalled client then
 * grows memory without limit.
 *
 * ## Encoding
 * Each handle encodes its name and labels once; an operation writes only the timestamp and the
 * value. Timestamps are read every 256 events and at the start of each batch, so events of one
 * synchronous burst may share a timestamp. Counter increments travel as uint64: fractional
 * increments are carried per handle so the stream's totals stay right.
 */
export class TcpRecorder implements Recorder {
  /** Connected clients (read on every operation). */
  clientCount = 0;
  private readonly clients = new Set<Client>();
  private readonly server: Server;
  private readonly limit: number;
  private buf = new Uint8Array(64 * 1024);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private offsets = new Uint32Array(1024);
  private count = 0;
  private ts: Uint8Array = encodeTimestampField(Date.now());
  private flushScheduled = false;
  private readonly metadata = new Map<string, Uint8Array>();
  private readonly handles = new Map<string, TcpHandle>();
  private readonly stats_: TcpStats = { clients: 0, droppedIngress: 0, droppedClient: 0, events: 0 };
  private reported = { ingress: 0, client: 0 };
  private closed = false;
  private readonly self: { ingress: Counter; client: Counter; clients: Gauge } | null;

  /** @internal use TcpBuilder */
  constructor(private readonly options: TcpRecorderOptions) {
    this.limit = options.bufferSize ?? Number.POSITIVE_INFINITY;
    const sm = options.selfMetrics;
    if (sm !== undefined) {
      sm.describeCounter('meterkit_tcp_dropped_events_total', undefined, 'Stream events dropped: ingress buffer full, or a slow client queue full (oldest dropped)');
      sm.describeGauge('meterkit_tcp_clients', undefined, 'Stream clients connected');
      this.self = {
        ingress: sm.registerCounter('meterkit_tcp_dropped_events_total', { reason: 'ingress' }),
        client: sm.registerCounter('meterkit_tcp_dropped_events_total', { reason: 'client' }),
        clients: sm.registerGauge('meterkit_tcp_clients'),
      };
      this.self.clients.set(0);
    } else {
      this.self = null;
    }
    this.server = createServer((s) => this.accept(s));
  }

  /** @internal */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(new MeterkitError('ERR_METERKIT_LISTEN', `cannot listen on ${this.options.host}:${this.options.port}: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /** The bound address. */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Drop and client counts. */
  stats(): TcpStats {
    return { ...this.stats_, clients: this.clientCount };
  }

  // ---- Recorder

  describeCounter(name: string, unit?: Unit, description?: string): void {
    this.describe(name, 'counter', unit, description);
  }
  describeGauge(name: string, unit?: Unit, description?: string): void {
    this.describe(name, 'gauge', unit, description);
  }
  describeHistogram(name: string, unit?: Unit, description?: string): void {
    this.describe(name, 'histogram', unit, description);
  }

  private describe(name: string, kind: MetricKind, unit: Unit | undefined, description: string | undefined): void {
    validateMetricName(name);
    const u = unit === undefined ? undefined : parseUnit(unit);
    if (description !== undefined) validateDescription(description, name);
    const event = encodeMetadataEvent(name, kind, u, description);
    this.metadata.set(name, event);
    if (this.clientCount > 0) this.pushRaw(event);
  }

  registerCounter(name: string, labels?: Labels): Counter {
    return this.handle(name, labels);
  }
  registerGauge(name: string, labels?: Labels): Gauge {
    return new TcpGauge(this.handle(name, labels));
  }
  registerHistogram(name: string, labels?: Labels): Histogram {
    return this.handle(name, labels);
  }

  private handle(name: string, labels: Labels | undefined): TcpHandle {
    const [names, values] = splitLabels(labels, name);
    let key = name;
    for (let i = 0; i < names.length; i++) key += `\u0000${names[i]}\u0001${values[i]}`;
    let h = this.handles.get(key);
    if (h === undefined) {
      validateMetricName(name);
      h = new TcpHandle(this, name, encodeNamePart(name), encodeLabelsPart(names, values));
      // bounded: a cache, not a registry (the stream keeps no state per series)
      if (this.handles.size >= HANDLE_CACHE_LIMIT) this.handles.clear();
      this.handles.set(key, h);
    }
    return h;
  }

  // ---- ingress

  private reserve(need: number): boolean {
    if (this.count >= this.limit) {
      this.stats_.droppedIngress++;
      return false;
    }
    if (this.count === 0 || (this.count & (TIMESTAMP_EVERY - 1)) === 0) this.ts = encodeTimestampField(Date.now());
    if (this.pos + need > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + need));
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    if (this.count === this.offsets.length) {
      const o = new Uint32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    this.offsets[this.count++] = this.pos;
    this.stats_.events++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  private copy(src: Uint8Array): void {
    const buf = this.buf;
    const p = this.pos;
    const n = src.length;
    if (n > 32) buf.set(src, p);
    else for (let i = 0; i < n; i++) buf[p + i] = src[i] as number;
    this.pos = p + n;
  }

  /** @internal Encodes one Metric event. */
  push(h: TcpHandle, tag: number, value: number): void {
    const varint = tag === TAG.incrementCounter || tag === TAG.setCounter;
    const opLen = varint ? 1 + varintSize(value) : 9;
    // worst case: 5+1+5 bytes of lengths, a 14-byte timestamp field
    if (!this.reserve(11 + h.namePart.length + 14 + h.labelsPart.length + opLen)) return;
    const ts = this.ts; // read after reserve(), which may renew it
    // the bytes before the operation only change with the timestamp and the op's length:
    // encode them once per handle and timestamp, then copy them whole
    if (h.tplTs !== ts || h.tplOpLen !== opLen) this.template(h, ts, opLen);
    const buf = this.buf;
    buf.set(h.tpl, this.pos);
    let p = this.pos + h.tpl.length;
    buf[p++] = tag;
    if (varint) p = writeVarint(buf, p, value);
    else {
      this.view.setFloat64(p, value, true);
      p += 8;
    }
    this.pos = p;
  }

  private template(h: TcpHandle, ts: Uint8Array, opLen: number): void {
    const np = h.namePart;
    const lp = h.labelsPart;
    const metricLen = np.length + ts.length + lp.length + opLen;
    const eventLen = 1 + varintSize(metricLen) + metricLen;
    const tpl = new Uint8Array(varintSize(eventLen) + 1 + varintSize(metricLen) + np.length + ts.length + lp.length);
    let p = writeVarint(tpl, 0, eventLen);
    tpl[p++] = TAG.eventMetric;
    p = writeVarint(tpl, p, metricLen);
    tpl.set(np, p);
    p += np.length;
    tpl.set(ts, p);
    p += ts.length;
    tpl.set(lp, p);
    h.tpl = tpl;
    h.tplTs = ts;
    h.tplOpLen = opLen;
  }

  /** @internal n record_histogram events (ingress overflow counted). */
  pushMany(h: TcpHandle, v: number, n: number): void {
    for (let i = 0; i < n; i++) {
      if (this.count >= this.limit) {
        this.stats_.droppedIngress += n - i;
        return;
      }
      this.push(h, TAG.recordHistogram, v);
    }
  }

  private pushRaw(event: Uint8Array): void {
    if (!this.reserve(event.length)) return;
    this.copy(event);
  }

  // ---- distribution

  private flush(): void {
    this.flushScheduled = false;
    if (this.count > 0) {
      const batch: Batch = { bytes: this.buf.slice(0, this.pos), offsets: this.offsets.slice(0, this.count) };
      const n = this.count;
      this.pos = 0;
      this.count = 0;
      for (const c of this.clients) {
        c.queue.push(batch);
        c.queued += n;
        this.trim(c);
        this.pump(c);
      }
    }
    this.report();
  }

  /** Drops a client's oldest events beyond the limit, whole events only. */
  private trim(c: Client): void {
    while (c.queued > this.limit) {
      const first = c.queue[0] as Batch;
      const left = first.offsets.length - c.head;
      const excess = c.queued - this.limit;
      if (excess >= left) {
        c.queue.shift();
        c.head = 0;
        c.queued -= left;
        this.stats_.droppedClient += left;
      } else {
        c.head += excess;
        c.queued -= excess;
        this.stats_.droppedClient += excess;
      }
    }
  }

  private pump(c: Client): void {
    if (c.closed || c.waiting) return;
    while (c.queue.length > 0) {
      if (c.socket.writableLength >= HIGH_WATER) {
        c.waiting = true;
        c.socket.once('drain', () => {
          c.waiting = false;
          this.pump(c);
        });
        return;
      }
      const b = c.queue.shift() as Batch;
      const from = b.offsets[c.head] as number;
      c.queued -= b.offsets.length - c.head;
      c.head = 0;
      c.socket.write(from === 0 ? b.bytes : b.bytes.subarray(from));
    }
  }

  private report(): void {
    if (this.self === null) return;
    const s = this.stats_;
    if (s.droppedIngress > this.reported.ingress) this.self.ingress.increment(s.droppedIngress - this.reported.ingress);
    if (s.droppedClient > this.reported.client) this.self.client.increment(s.droppedClient - this.reported.client);
    this.reported = { ingress: s.droppedIngress, client: s.droppedClient };
  }

  // ---- clients

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const c: Client = { socket, queue: [], head: 0, queued: 0, closed: false, waiting: false };
    this.clients.add(c);
    this.clientCount = this.clients.size;
    this.self?.clients.set(this.clientCount);
    // metadata first, before any metric event: the client learns units and descriptions
    if (this.metadata.size > 0) socket.write(Buffer.concat([...this.metadata.values()]));
    const drop = (): void => this.remove(c);
    socket.once('error', drop);
    socket.once('close', drop);
    socket.on('data', () => undefined); // clients have nothing to say; read and discard
  }

  private remove(c: Client): void {
    if (c.closed) return; // 'error' and 'close' both come: count once
    c.closed = true;
    c.queue.length = 0;
    c.queued = 0;
    this.clients.delete(c);
    this.clientCount = this.clients.size;
    this.self?.clients.set(this.clientCount);
    c.socket.destroy();
  }

  /** Stops listening, sends what is queued, and closes every client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(
      [...this.clients].map(
        (c) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              this.remove(c);
              resolve();
            }, 1000);
            c.socket.end(() => {
              clearTimeout(t);
              this.remove(c);
              resolve();
            });
          }),
      ),
    );
    this.clientCount = 0;
    await closing;
  }
}
