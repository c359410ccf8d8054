/**
 * The monitor's NATS transport: peers publish JSON arrays of {@link MetricInput} on a subject
 * (default {@link DEFAULT_NATS_SUBJECT}); the monitor subscribes and hands each parsed array to
 * `onBatch` (the monitor's `logMetrics`). Built on the official client, `@nats-io/transport-node`.
 *
 * Connecting: the first connection must succeed, within `connectTimeout`, or the returned promise
 * rejects with `ERR_METERKIT_NATS` naming the URL (a typo should not hang an agent). Once
 * connected, a lost server is redialled forever (`maxReconnectAttempts: -1`) every
 * `reconnectWait` ms (plus up to 100 ms of jitter); the subscription is renewed on reconnect.
 * A server gone without closing the socket is noticed after two unanswered pings (every 20 s).
 *
 * Delivery is NATS core's: at most once. Backpressure: a message is handled synchronously in the
 * client's read loop (decode, parse, `onBatch`), so nothing queues in this module; the server's
 * `max_payload` (1 MiB by default) bounds one message. The client keeps no buffer across a
 * reconnect (it clears its outbound buffer on every dial), so the publisher does not pretend to:
 * while disconnected, `publish()` drops the batch and counts it in `dropped`.
 */
import { EventEmitter } from 'node:events';
import { connect } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { parseNatsServers } from '../core/nats-url.js';
import { checkDuration } from '../core/options.js';
import { parseJsonBytes } from '../http/body.js';
import type { Counter } from '../core/handles.js';
import type { Recorder } from '../core/recorder.js';
import { DEFAULT_NATS_SUBJECT } from './types.js';
import type { MetricInput } from './types.js';

export { parseNatsServers };

/** Where a connection stands: `reconnecting` from a lost server until it is back, `closed` after close(). */
export type NatsStatus = 'connected' | 'reconnecting' | 'closed';

/** What both ends of the transport take. */
export interface NatsOptions {
  /** One or more `nats://host:port` URLs, comma-separated (port default 4222). */
  servers: string;
  /** Subject; default {@link DEFAULT_NATS_SUBJECT}. The ingest may use wildcards (`*`, `>`), the publisher not. */
  subject?: string;
  /** Connection name shown by the server's monitoring pages. */
  name?: string;
  /** Background errors: a lost connection, a rejected message. Default: a process warning. */
  onError?(err: Error): void;
  /** ms between reconnect attempts to a lost server. Default 2000 (the client's default). */
  reconnectWait?: number;
  /** ms the first connection (and each handshake) may take. Default 5000. */
  connectTimeout?: number;
}

/** Options of {@link startNatsIngest}. */
export interface NatsIngestOptions extends NatsOptions {
  /** Called with each message's parsed JSON. Throwing rejects the batch: counted and reported, never a crash. */
  onBatch(batch: unknown): void;
  /** Where {@link MONITOR_NATS_REJECTED_METRIC} is counted (e.g. the agent's Registry). */
  metrics?: Recorder;
}

/** Counter of NATS messages the ingest refused, by `reason` (beside HTTP's `meterkit_monitor_http_rejected_batches_total`). */
export const MONITOR_NATS_REJECTED_METRIC = 'meterkit_monitor_nats_rejected_messages_total';

/** Why a message was refused: `undecodable` (not UTF-8 JSON) or `invalid` (`onBatch` threw: the batch broke the rule). */
export type NatsRejectReason = 'undecodable' | 'invalid';

const DEFAULT_RECONNECT_WAIT = 2000;
const DEFAULT_CONNECT_TIMEOUT = 5000;
const MAX_SUBJECT_LENGTH = 256;
const PING_INTERVAL = 20_000;

/**
 * Checks a NATS subject: dot-separated non-empty tokens without whitespace, at most 256
 * characters; `*` and `>` only as whole tokens (`>` last), and only where `wildcards` is true.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT`
 */
export function checkSubject(subject: unknown, wildcards: boolean): string {
  const bad = (why: string): never => {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid NATS subject ${describeValue(subject)}: ${why}`);
  };
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) bad(`it must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`);
  const tokens = (subject as string).split('.');
  tokens.forEach((t, i) => {
    // eslint-disable-next-line no-control-regex
    if (t === '' || /[\s\u0000-\u001f\u007f]/.test(t)) bad('tokens are separated by single dots and hold no whitespace or control characters');
    const wild = t === '*' || t === '>';
    if (!wild && /[*>]/.test(t)) bad('* and > are wildcards only as whole tokens');
    if (wild && !wildcards) bad('a publisher needs a subject without wildcards');
    if (t === '>' && i !== tokens.length - 1) bad('> may only be the last token');
  });
  return subject as string;
}

function reportTo(onError: ((err: Error) => void) | undefined): (err: Error) => void {
  return (err) => {
    if (onError === undefined) {
      process.emitWarning(err.message, { code: err instanceof MeterkitError ? err.code : ErrorCode.Nats, type: 'MeterkitWarning' });
      return;
    }
    try {
      onError(err);
    } catch (hookErr) {
      process.emitWarning(`meterkit: the NATS onError hook threw while reporting "${err.message}": ${String(hookErr)}`);
    }
  };
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * @internal One client connection and its status, shared by the ingest and the publisher. Emits
 * `'status'` with the new {@link NatsStatus} on every change.
 */
export class NatsLink extends EventEmitter {
  #status: NatsStatus = 'connected';
  readonly #watching: Promise<void>;

  constructor(
    readonly nc: NatsConnection,
    readonly where: string,
    readonly reconnectWait: number,
    readonly report: (err: Error) => void,
    /** Runs after a reconnect before the link says `connected` (the ingest confirms its subscription). */
    readonly settle: () => Promise<void>,
  ) {
    super();
    this.#watching = this.#watch();
  }

  get status(): NatsStatus {
    return this.#status;
  }

  #set(s: NatsStatus): void {
    if (s === this.#status) return;
    this.#status = s;
    this.emit('status', s);
  }

  async #watch(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') {
          this.#set('reconnecting');
          this.report(new MeterkitError(ErrorCode.Nats, `lost the connection to NATS at ${this.where}; reconnecting every ${this.reconnectWait} ms`));
        } else if (s.type === 'reconnect') {
          try {
            // close() does not reject a pending flush: racing closed() keeps close() from hanging here
            await Promise.race([this.settle(), this.nc.closed()]);
            if (!this.nc.isClosed()) this.#set('connected');
          } catch (err) {
            // lost again before settling: the next 'reconnect' settles again
            this.report(new MeterkitError(ErrorCode.Nats, `reconnected to NATS at ${this.where} but could not settle: ${reason(err)}`, { cause: err }));
          }
        } else if (s.type === 'error') {
          this.report(new MeterkitError(ErrorCode.Nats, `NATS at ${this.where} reported: ${reason(s.error)}`, { cause: s.error }));
        }
      }
      const err = await this.nc.closed();
      if (err) this.report(new MeterkitError(ErrorCode.Nats, `the NATS connection to ${this.where} closed: ${reason(err)}`, { cause: err }));
    } catch (err) {
      this.report(new MeterkitError(ErrorCode.Nats, `watching the NATS connection to ${this.where} failed: ${reason(err)}`, { cause: err }));
    }
    this.#set('closed');
  }

  /** Closes the connection; `flushFirst` waits (bounded) until the server has what was published. */
  async close(flushFirst: boolean, bound: number): Promise<void> {
    if (this.nc.isClosed()) return this.#watching;
    if (flushFirst && this.#status === 'connected') {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, bound);
        timer.unref();
      });
      try {
        await Promise.race([this.nc.flush(), late]);
      } catch (err) {
        this.report(new MeterkitError(ErrorCode.Nats, `flushing to NATS at ${this.where} before closing failed: ${reason(err)}`, { cause: err }));
      } finally {
        clearTimeout(timer);
      }
    }
    await this.nc.close();
    await this.#watching;
  }
}

async function open(options: NatsOptions, role: string, wildcards: boolean, settle: (nc: NatsConnection) => Promise<void>): Promise<{ link: NatsLink; subject: string }> {
  if (options === null || typeof options !== 'object') throw new MeterkitError(ErrorCode.InvalidArgument, `invalid NATS ${role} options ${describeValue(options)}: give an object`);
  const servers = parseNatsServers(options.servers);
  const subject = checkSubject(options.subject ?? DEFAULT_NATS_SUBJECT, wildcards);
  const reconnectWait = checkDuration('NATS reconnectWait', options.reconnectWait ?? DEFAULT_RECONNECT_WAIT);
  const connectTimeout = checkDuration('NATS connectTimeout', options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length > MAX_SUBJECT_LENGTH)) throw new MeterkitError(ErrorCode.InvalidArgument, `invalid NATS name ${describeValue(options.name)}: give a string of at most ${MAX_SUBJECT_LENGTH} characters`);
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new MeterkitError(ErrorCode.InvalidArgument, `invalid NATS onError ${describeValue(options.onError)}: give a function`);
  const where = servers.join(',');
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      name: options.name ?? `meterkit-monitor-${role}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: reconnectWait,
      timeout: connectTimeout,
      // a server gone without a FIN (host down, cable cut) is noticed after maxPingOut (2) unanswered
      // pings: about a minute, not the client's default four, since peers' heartbeats live seconds
      pingInterval: PING_INTERVAL,
      // a reporter on one server must not learn and wander to a cluster's gossiped addresses it was not given
      ignoreClusterUpdates: true,
    });
  } catch (err) {
    throw new MeterkitError(ErrorCode.Nats, `cannot connect to NATS at ${where}: ${reason(err)}`, { cause: err });
  }
  const link = new NatsLink(nc, where, reconnectWait, reportTo(options.onError), () => settle(nc));
  return { link, subject };
}

/** What the ingest and the publisher share: their connection's status, re-emitted as `'status'`. */
export abstract class NatsEndpoint extends EventEmitter {
  constructor(readonly link: NatsLink) {
    super();
    link.on('status', (s: NatsStatus) => this.emit('status', s));
  }

  /** The connection's status. */
  get status(): NatsStatus {
    return this.link.status;
  }
}

/** A running NATS ingest (see {@link startNatsIngest}). Emits `'status'` on connection changes. */
export class NatsIngest extends NatsEndpoint {
  #received = 0;
  #rejected = 0;
  /** Rejecting since the last accepted message: the next rejection is only counted. */
  #rejecting = false;
  readonly #counters: Record<NatsRejectReason, Counter> | undefined;

  /** Use {@link startNatsIngest}. */
  constructor(
    link: NatsLink,
    readonly subject: string,
    readonly onBatch: (batch: unknown) => void,
    metrics?: Recorder,
  ) {
    super(link);
    if (metrics !== undefined) {
      metrics.describeCounter(MONITOR_NATS_REJECTED_METRIC, undefined, 'NATS messages the monitor ingest refused, by reason');
      // present from the start, so rate() and alerts see them
      this.#counters = { undecodable: metrics.registerCounter(MONITOR_NATS_REJECTED_METRIC, { reason: 'undecodable' }), invalid: metrics.registerCounter(MONITOR_NATS_REJECTED_METRIC, { reason: 'invalid' }) };
    }
    link.nc.subscribe(subject, { callback: (err, msg) => this.#handle(err, msg) });
  }

  /** Messages received on the subject. */
  get received(): number {
    return this.#received;
  }

  /** Messages not logged: undecodable (not UTF-8 JSON) or refused by `onBatch`. */
  get rejected(): number {
    return this.#rejected;
  }

  /** The subscription's callback: never throws. */
  #handle(err: Error | null, msg: Msg): void {
    if (err !== null) {
      this.link.report(new MeterkitError(ErrorCode.Nats, `the NATS subscription to ${this.subject} failed: ${err.message}`, { cause: err }));
      return;
    }
    this.#received++;
    let batch: unknown;
    try {
      batch = parseJsonBytes(msg.data);
    } catch (cause) {
      this.#reject('undecodable', `an undecodable message on ${msg.subject} (${msg.data.length} bytes, not UTF-8 JSON): ${reason(cause)}`, cause);
      return;
    }
    try {
      this.onBatch(batch);
    } catch (cause) {
      this.#reject('invalid', `a batch on ${msg.subject} was rejected: ${reason(cause)}`, cause);
      return;
    }
    this.#rejecting = false;
  }

  #reject(why: NatsRejectReason, message: string, cause: unknown): void {
    this.#rejected++;
    this.#counters?.[why].increment(1);
    // once per burst (until a message is accepted): a flood from the network must not flood the log
    if (this.#rejecting) return;
    this.#rejecting = true;
    this.link.report(new MeterkitError(ErrorCode.Nats, `${message} (further rejections are only counted, in rejected and ${MONITOR_NATS_REJECTED_METRIC}, until a message is accepted)`, { cause }));
  }

  /** Unsubscribes and closes the connection. */
  async close(): Promise<void> {
    await this.link.close(false, 0);
  }
}

/**
 * Subscribes to the monitor subject and hands each message's parsed JSON to `onBatch`.
 * Resolves once the server has the subscription; rejects with `ERR_METERKIT_NATS` when the first
 * connection fails, and with `ERR_METERKIT_INVALID_ARGUMENT` on a bad option.
 */
export async function startNatsIngest(options: NatsIngestOptions): Promise<NatsIngest> {
  if (typeof options?.onBatch !== 'function') throw new MeterkitError(ErrorCode.InvalidArgument, `invalid NATS ingest onBatch ${describeValue(options?.onBatch)}: give a function`);
  // flush: the server has processed the (re)subscription once its PONG is back
  const { link, subject } = await open(options, 'ingest', true, (nc) => nc.flush());
  const ingest = new NatsIngest(link, subject, options.onBatch, options.metrics);
  try {
    await link.nc.flush();
  } catch (err) {
    await link.close(false, 0);
    throw new MeterkitError(ErrorCode.Nats, `cannot subscribe to ${subject} at NATS ${link.where}: ${reason(err)}`, { cause: err });
  }
  return ingest;
}

/** Publishes metric batches to the monitor subject (see {@link connectNatsPublisher}). Emits `'status'`. */
export class NatsPublisher extends NatsEndpoint {
  #published = 0;
  #dropped = 0;
  #closed = false;

  /** Use {@link connectNatsPublisher}. */
  constructor(
    readonly subject: string,
    link: NatsLink,
    readonly closeTimeout: number,
  ) {
    super(link);
  }

  /** Batches handed to the client. */
  get published(): number {
    return this.#published;
  }

  /** Batches dropped because the connection was down (NATS keeps none across a reconnect). */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Sends one batch as a JSON array. Returns false when it was dropped (the connection is
   * down); a batch published just as the connection breaks can be lost uncounted (at most once).
   * @throws MeterkitError `ERR_METERKIT_NATS` after close() or when the batch exceeds the
   *   server's `max_payload`; `ERR_METERKIT_INVALID_ARGUMENT` when `batch` is not an array.
   */
  publish(batch: readonly MetricInput[]): boolean {
    if (this.#closed) throw new MeterkitError(ErrorCode.Nats, `the NATS publisher to ${this.link.where} is closed`);
    if (!Array.isArray(batch)) throw new MeterkitError(ErrorCode.InvalidArgument, `invalid batch ${describeValue(batch)}: give an array of metrics`);
    if (this.link.status !== 'connected') {
      this.#dropped++;
      return false;
    }
    let data: string;
    try {
      data = JSON.stringify(batch);
    } catch (err) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid batch: it cannot be written as JSON: ${reason(err)}`, { cause: err });
    }
    try {
      this.link.nc.publish(this.subject, data);
    } catch (err) {
      throw new MeterkitError(ErrorCode.Nats, `cannot publish a batch of ${batch.length} metrics (${Buffer.byteLength(data)} bytes) to ${this.subject}: ${reason(err)}`, { cause: err });
    }
    this.#published++;
    return true;
  }

  /** Waits (at most `connectTimeout`) until the server has every batch published, then closes. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.link.close(true, this.closeTimeout);
  }
}

/**
 * Connects a publisher. Rejects with `ERR_METERKIT_NATS` when the first connection fails, and
 * with `ERR_METERKIT_INVALID_ARGUMENT` on a bad option (a subject with wildcards, a bad URL).
 */
export async function connectNatsPublisher(options: NatsOptions): Promise<NatsPublisher> {
  const { link, subject } = await open(options, 'publisher', false, async () => {});
  return new NatsPublisher(subject, link, options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT);
}
