/**
 * The reporting side: a peer sends, every `interval`, one batch with its `ping` heartbeat and
 * one metric per informer, each with the same `ttl`, through a pluggable {@link Sender} (HTTP:
 * {@link httpSender}; NATS: a publisher). A monitor that sees no new `ping` within `ttl` calls
 * the peer down.
 *
 * **Backpressure.** At most one send is in flight: a tick that comes while the previous batch
 * is still being sent is skipped (counted in `skipped`), so a slow monitor never piles up
 * requests; the next tick sends fresh values. A failed send is counted in `failed` and told to
 * `onError` once per episode (the first failure after a success), never thrown.
 */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration } from '../core/options.js';
import type { Informer } from './informers.js';
import { PING_METRIC, defaultInformers } from './informers.js';
import type { MetricInput } from './types.js';
import { PEER_ID_RULE, isPeerId } from './validate.js';

/** Sends one batch (a JSON array of metrics) to a monitor; rejects when it could not. */
export type Sender = (batch: MetricInput[]) => Promise<void>;

/** Default ms between reports (the CLI's `--report-interval`). */
export const DEFAULT_REPORT_INTERVAL = 5000;
/** Default ttl of reported metrics, ms (the CLI's `--report-ttl`). */
export const DEFAULT_REPORT_TTL = 15_000;

/**
 * The one rule for a reporter's timing: `interval` defaults to {@link DEFAULT_REPORT_INTERVAL},
 * `ttl` to {@link DEFAULT_REPORT_TTL} or three intervals when longer, and `ttl` must be more
 * than `interval` (or every metric expires before the next arrives). `names` are what messages
 * call the two (the CLI's flags).
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT`
 */
export function reportTiming(
  interval: number | undefined,
  ttl: number | undefined,
  names: { interval: string; ttl: string } = { interval: 'report interval', ttl: 'report ttl' },
): { interval: number; ttl: number } {
  const i = interval === undefined ? DEFAULT_REPORT_INTERVAL : checkDuration(names.interval, interval);
  const t = ttl === undefined ? Math.max(DEFAULT_REPORT_TTL, 3 * i) : checkDuration(names.ttl, ttl);
  if (t <= i) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${names.ttl} ${t}: it must be more than the ${names.interval} (${i} ms), or every metric expires before the next arrives`);
  }
  return { interval: i, ttl: t };
}

/** Options of {@link Reporter}. */
export interface ReporterOptions {
  /** This peer's id (what the monitor's alerts and `meterkit peers` name). */
  peer: string;
  /** Where batches go. */
  send: Sender;
  /** ms between reports. Default {@link DEFAULT_REPORT_INTERVAL}. */
  interval?: number;
  /** ms each metric lives at the monitor; more than `interval`. Default {@link DEFAULT_REPORT_TTL}. */
  ttl?: number;
  /** What is measured besides `ping`. Default {@link defaultInformers}: CPU, memory, event-loop lag. */
  informers?: readonly Informer[];
  /** Hears of the first failed send of an episode and of informers that fail. Default: a process warning. */
  onError?: (err: Error) => void;
}

/** Sends a peer's heartbeat and informer metrics to a monitor at an interval. */
export class Reporter {
  /** This peer's id. */
  readonly peer: string;
  /** ms between reports. */
  readonly interval: number;
  /** ms each reported metric lives. */
  readonly ttl: number;
  private readonly send: Sender;
  private readonly informers: readonly Informer[];
  private readonly onError: (err: Error) => void;
  private readonly failingInformers = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private failing = false;
  private closed = false;
  private counts = { sent: 0, failed: 0, skipped: 0 };

  /** @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad option. */
  constructor(options: ReporterOptions) {
    if (!isPeerId(options.peer)) throw new MeterkitError(ErrorCode.InvalidArgument, `invalid reporter peer ${describeValue(options.peer)}: ${PEER_ID_RULE}`);
    if (typeof options.send !== 'function') throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid reporter send: it must be a function (batch) => Promise<void>');
    this.peer = options.peer;
    ({ interval: this.interval, ttl: this.ttl } = reportTiming(options.interval, options.ttl));
    this.send = options.send;
    this.informers = options.informers ?? defaultInformers();
    this.onError = options.onError ?? ((err) => process.emitWarning(err.message, { code: err instanceof MeterkitError ? err.code : undefined }));
  }

  /** Batches sent, failed and skipped (a tick while a send was in flight) so far. */
  get stats(): { sent: number; failed: number; skipped: number } {
    return { ...this.counts };
  }

  /** The batch a report sends now: `ping`, then one metric per informer. */
  batch(): MetricInput[] {
    const out: MetricInput[] = [{ name: PING_METRIC, peer: this.peer, value: '', ttl: this.ttl }];
    for (const inf of this.informers) out.push(this.measure(inf));
    return out;
  }

  private measure(inf: Informer): MetricInput {
    let value: number | string;
    try {
      value = inf.read();
      if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`it read ${value}`);
    } catch (err) {
      if (!this.failingInformers.has(inf.name)) {
        this.failingInformers.add(inf.name);
        this.onError(new MeterkitError(ErrorCode.MonitorReport, `informer "${inf.name}" failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      }
      // the peer is alive but could not measure: an invalid metric never alerts
      return { name: inf.name, peer: this.peer, value: '', valid: false, ttl: this.ttl };
    }
    this.failingInformers.delete(inf.name);
    return { name: inf.name, peer: this.peer, value, ttl: this.ttl };
  }

  /**
   * Sends one batch now, unless one is in flight (then false, counted as skipped). Never
   * rejects: a failure goes to `onError`.
   */
  report(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.inFlight !== null) {
      this.counts.skipped++;
      return Promise.resolve(false);
    }
    let batch: MetricInput[];
    try {
      batch = this.batch();
    } catch (err) {
      // an informer's failure is caught in measure(); this is a bug in a custom one's getter
      this.onError(err instanceof Error ? err : new Error(String(err)));
      return Promise.resolve(false);
    }
    let started: Promise<void>;
    try {
      // called now, so the send is under way when report() returns
      started = Promise.resolve(this.send(batch));
    } catch (err) {
      started = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const sending = started
      .then(
        () => {
          this.counts.sent++;
          this.failing = false;
        },
        (err: unknown) => {
          this.counts.failed++;
          if (!this.failing) {
            this.failing = true;
            const reason = err instanceof Error ? err.message : String(err);
            this.onError(new MeterkitError(ErrorCode.MonitorReport, `peer "${this.peer}" could not report: ${reason} (said once until a report succeeds)`, { cause: err }));
          }
        },
      )
      .finally(() => {
        this.inFlight = null;
      });
    this.inFlight = sending;
    return sending.then(() => true);
  }

  /** Reports now and then every `interval` (the timer is unref'd). */
  start(): this {
    if (this.timer !== null || this.closed) return this;
    void this.report();
    this.timer = setInterval(() => void this.report(), this.interval);
    this.timer.unref();
    return this;
  }

  /** Stops the timer, waits for a send in flight, releases the informers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
    for (const inf of this.informers) inf.close?.();
  }
}
