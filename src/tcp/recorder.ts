import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { listenOn } from '../core/listen.js';
import type { Counter, Gauge, Histogram } from '../core/handles.js';
import type { Labels } from '../core/labels.js';
import { splitLabels, validateDescription, validateMetricName } from '../core/labels.js';
import type { MetricKind, Recorder } from '../core/recorder.js';
import type { Unit } from '../core/units.js';
import { parseUnit } from '../core/units.js';
import type { InvalidUpdateHook, ValueRule } from '../core/validate.js';
import { InvalidUpdates, countInto, isCount, isCounterValue, isFiniteNumber } from '../core/validate.js';
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
  /** Updates dropped because their value broke the rule (see core/validate.ts). */
  invalid: number;
  /** Bytes waiting in client queues now, summed over clients (what `bufferBytes` bounds per client). */
  queuedBytes: number;
}

/** Settings a TcpBuilder hands to the recorder. */
export interface TcpRecorderOptions {
  host: string;
  port: number;
  /** Events the ingress and each client queue hold at most; null: unbounded. */
  bufferSize: number | null;
  /** Bytes the ingress and each client queue hold at most; null: unbounded. */
  bufferBytes: number | null;
  /** Hears of the first dropped update of each metric. Default: one process warning. */
  onError?: InvalidUpdateHook;
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
  /** Bytes of the queued events (what `bufferBytes` bounds). */
  queuedBytes: number;
  closed: boolean;
  waiting: boolean;
}

const TIMESTAMP_EVERY = 256;

/** Where event `i` of a batch starts (`offsets.length`: the end of the batch). */
function startOf(b: Batch, i: number): number {
  return i < b.offsets.length ? (b.offsets[i] as number) : b.bytes.length;
}
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

  increment(n: number = 1): void {
    // one handle class serves every kind; the recorder's register* picks which methods apply
    if (!isCounterValue(n)) return this.rec.reject(this.name, 'counter increment', n, 'counter');
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
    if (!isCounterValue(v)) return this.rec.reject(this.name, 'counter value', v, 'counter');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.setCounter, Math.floor(v));
  }

  set(v: number): void {
    if (!isFiniteNumber(v)) return this.rec.reject(this.name, 'gauge value', v, 'finite');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.setGauge, v);
  }

  decrement(n: number = 1): void {
    if (!isFiniteNumber(n)) return this.rec.reject(this.name, 'gauge decrement', n, 'finite');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.decrementGauge, n);
  }

  gaugeIncrement(n: number = 1): void {
    if (!isFiniteNumber(n)) return this.rec.reject(this.name, 'gauge increment', n, 'finite');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.incrementGauge, n);
  }

  record(v: number): void {
    if (!isFiniteNumber(v)) return this.rec.reject(this.name, 'histogram observation', v, 'finite');
    if (this.rec.clientCount === 0) return;
    this.rec.push(this, TAG.recordHistogram, v);
  }

  recordMany(v: number, n: number): void {
    if (!isFiniteNumber(v)) return this.rec.reject(this.name, 'histogram observation', v, 'finite');
    if (!isCount(n)) return this.rec.reject(this.name, 'observation count', n, 'count');
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
/** How long close() waits for a client to take what is queued for it. */
const CLOSE_GRACE_MS = 1000;

/**
 * A Recorder that pushes every metric operation, as it happens, to every connected TCP
 * client, in the wire format of Rust's metrics-exporter-tcp (proto/event.proto).
 *
 * ## Backpressure
 * Operations are encoded into an ingress buffer of at most `bufferSize` events and
 * `bufferBytes` bytes, flushed on the next turn of the event loop; when it is full, new events
 * are dropped (`meterkit_tcp_dropped_events_total{reason="ingress"}`). Each client has its own
 * queue, bounded the same two ways: a client too slow to keep up loses its oldest events first
 * (`reason="client"`), never a part of one. Beyond its queue, a client's socket holds at most
 * about 256 KiB plus the one batch being written (itself at most `bufferBytes`). So memory is
 * bounded in bytes whatever the events carry (64 KiB label values included): per client about
 * 2 × `bufferBytes` + 256 KiB, and the ingress `bufferBytes`. Batches are shared read-only by
 * all clients, so many clients cost far less than that each. With no client connected an
 * operation returns at once and nothing is queued. `null` removes a bound: with both gone a
 * stalled client grows memory without limit.
 *
 * ## Invalid updates
 * An update whose value breaks the rule (core/validate.ts) is dropped before it is encoded,
 * counted in `meterkit_invalid_updates_total{metric,reason}` (in `selfMetrics`) and reported
 * once per metric through `onError`.
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
  private readonly byteLimit: number;
  private readonly invalid: InvalidUpdates;
  private buf = new Uint8Array(64 * 1024);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private offsets = new Uint32Array(1024);
  private count = 0;
  private ts: Uint8Array = encodeTimestampField(Date.now());
  private flushScheduled = false;
  private readonly metadata = new Map<string, Uint8Array>();
  private readonly handles = new Map<string, TcpHandle>();
  private readonly stats_: TcpStats = { clients: 0, droppedIngress: 0, droppedClient: 0, events: 0, invalid: 0, queuedBytes: 0 };
  private reported = { ingress: 0, client: 0 };
  private closed = false;
  private readonly self: { ingress: Counter; client: Counter; clients: Gauge } | null;

  /** @internal use TcpBuilder */
  constructor(private readonly options: TcpRecorderOptions) {
    this.limit = options.bufferSize ?? Number.POSITIVE_INFINITY;
    this.byteLimit = options.bufferBytes ?? Number.POSITIVE_INFINITY;
    const sm = options.selfMetrics;
    const count = sm === undefined ? null : countInto(sm);
    this.invalid = new InvalidUpdates((metric, reason) => {
      this.stats_.invalid++;
      count?.(metric, reason);
    }, options.onError);
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
  async listen(): Promise<void> {
    await listenOn(this.server, this.options.host, this.options.port);
  }

  /** The bound address. */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Drop and client counts. */
  stats(): TcpStats {
    let queuedBytes = 0;
    for (const c of this.clients) queuedBytes += c.queuedBytes;
    return { ...this.stats_, clients: this.clientCount, queuedBytes };
  }

  /** @internal a handle's update broke the value rule: drop, count, report once per metric */
  reject(metric: string, what: string, value: unknown, rule: ValueRule): void {
    this.invalid.report(metric, what, value, rule);
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
    if (this.count >= this.limit || this.pos + need > this.byteLimit) {
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

  /** @internal Encodes one Metric event; false when the ingress was full and it was dropped. */
  push(h: TcpHandle, tag: number, value: number): boolean {
    const varint = tag === TAG.incrementCounter || tag === TAG.setCounter;
    const opLen = varint ? 1 + varintSize(value) : 9;
    // worst case: 5+1+5 bytes of lengths, a 14-byte timestamp field
    if (!this.reserve(11 + h.namePart.length + 14 + h.labelsPart.length + opLen)) return false;
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
    return true;
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
      // full (by events or bytes): the rest of the run is dropped at once, not tried one by one
      if (!this.push(h, TAG.recordHistogram, v)) {
        this.stats_.droppedIngress += n - i - 1;
        return;
      }
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
        c.queuedBytes += batch.bytes.length;
        this.trim(c);
        this.pump(c);
      }
    }
    this.report();
  }

  /**
   * Drops a client's oldest events while its queue is over the event or the byte limit, whole
   * events only. Batches are shared: dropping moves this client's `head`, it never edits one.
   */
  private trim(c: Client): void {
    while (c.queued > this.limit || c.queuedBytes > this.byteLimit) {
      const b = c.queue[0] as Batch;
      const n = b.offsets.length;
      const from = c.head;
      let end = from + Math.min(Math.max(c.queued - this.limit, 0), n - from);
      let bytes = startOf(b, end) - startOf(b, from);
      while (end < n && c.queuedBytes - bytes > this.byteLimit) bytes = startOf(b, ++end) - startOf(b, from);
      if (end === n) {
        c.queue.shift();
        c.head = 0;
      } else c.head = end;
      c.queued -= end - from;
      c.queuedBytes -= bytes;
      this.stats_.droppedClient += end - from;
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
      c.queuedBytes -= b.bytes.length - from;
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
    const c: Client = { socket, queue: [], head: 0, queued: 0, queuedBytes: 0, closed: false, waiting: false };
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
    c.queuedBytes = 0;
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
            // a client that stops reading gets a second to take what is queued, then is cut off;
            // unref'd: the open socket keeps the process alive until one of the two happens
            const t = setTimeout(() => {
              this.remove(c);
              resolve();
            }, CLOSE_GRACE_MS);
            t.unref();
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
