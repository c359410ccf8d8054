import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { listenOn } from '../core/listen.js';
import type { Counter, Gauge, Histogram } from '../core/handles.js';
import type { Labels } from '../core/labels.js';
import { splitLabels, validateDescription, validateMetricName } from '../core/labels.js';
import type { MetricKind, Recorder } from '../core/recorder.js';
import type { Unit } from '../core/units.js';
import { parseUnit } from '../core/units.js';
import type { InvalidUpdateHook } from '../core/validate.js';
import { InvalidUpdates, countInto } from '../core/validate.js';
import { Clients } from './clients.js';
import { encodeLabelsPart, encodeMetadataEvent, encodeNamePart } from './encoding.js';
import { TcpGauge, TcpHandle } from './handle.js';
import { Ingress } from './ingress.js';
import { EventTemplate } from './templates.js';

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
  private readonly server: Server;
  private readonly invalid: InvalidUpdates;
  private readonly ingress: Ingress;
  private readonly clients: Clients;
  private flushScheduled = false;
  private readonly flushSoon = (): void => {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  };
  private readonly metadata = new Map<string, Uint8Array>();
  private readonly handles = new Map<string, TcpHandle>();
  private invalidCount = 0;
  private reported = { ingress: 0, client: 0 };
  private closed = false;
  private readonly self: { ingress: Counter; client: Counter; clients: Gauge } | null;

  /** @internal use TcpBuilder */
  constructor(private readonly options: TcpRecorderOptions) {
    const limit = options.bufferSize ?? Number.POSITIVE_INFINITY;
    const byteLimit = options.bufferBytes ?? Number.POSITIVE_INFINITY;
    const sm = options.selfMetrics;
    const count = sm === undefined ? null : countInto(sm);
    this.invalid = new InvalidUpdates((metric, reason) => {
      this.invalidCount++;
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
    this.ingress = new Ingress(limit, byteLimit, this.flushSoon);
    this.clients = new Clients(limit, byteLimit, (n) => {
      this.ingress.clients = n;
      this.self?.clients.set(n);
    });
    this.server = createServer((s) => this.accept(s));
  }

  /** Clients connected now. */
  get clientCount(): number {
    return this.ingress.clients;
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
    const i = this.ingress;
    return { clients: i.clients, droppedIngress: i.dropped, droppedClient: this.clients.dropped, events: i.events, invalid: this.invalidCount, queuedBytes: this.clients.queuedBytes() };
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
    if (this.ingress.clients > 0) this.ingress.raw(event);
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
      h = new TcpHandle(this.ingress, this.invalid, name, new EventTemplate(encodeNamePart(name), encodeLabelsPart(names, values)));
      // bounded: a cache, not a registry (the stream keeps no state per series)
      if (this.handles.size >= HANDLE_CACHE_LIMIT) this.handles.clear();
      this.handles.set(key, h);
    }
    return h;
  }

  // ---- wiring: ingress → clients, on the next turn of the event loop

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.ingress.take();
    if (batch !== null) this.clients.deliver(batch);
    this.report();
  }

  private report(): void {
    if (this.self === null) return;
    const ingress = this.ingress.dropped;
    const client = this.clients.dropped;
    if (ingress > this.reported.ingress) this.self.ingress.increment(ingress - this.reported.ingress);
    if (client > this.reported.client) this.self.client.increment(client - this.reported.client);
    this.reported = { ingress, client };
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    // metadata first, before any metric event: the client learns units and descriptions
    this.clients.add(socket, this.metadata.size > 0 ? Buffer.concat([...this.metadata.values()]) : null);
  }

  /** Stops listening, sends what is queued, and closes every client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.clients.close(CLOSE_GRACE_MS);
    await closing;
  }
}
