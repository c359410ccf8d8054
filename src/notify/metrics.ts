/**
 * An endpoint's figures, twice: distribution's `EndpointMetrics` (for `/debug/vars`, same field
 * names) and Prometheus metrics mirroring distribution's `registry_notifications_*` under the
 * `meterkit_notifications_` prefix (notifications/metrics.go: the same suffixes, label names,
 * types and buckets), recorded through a core Recorder; meterkit's extras (dead letters,
 * dropped dead letters) are named apart in {@link NOTIFY_METRICS}.
 *
 * distribution's `artifact` label names the kind of registry object (manifest, blob, tag) from
 * the target's media type. A meterkit event has no media type, so `artifact` is always empty
 * (the label is kept, so that queries written for distribution work unchanged).
 *
 * Counting rules (distribution's, per event): `Events` counts events accepted for the endpoint;
 * `Successes`, `Failures` (an HTTP status that is not success) and `Errors` (no status: network
 * error, timeout, reset) count the events of each attempt, so a batch retried three times
 * counts three times; `Statuses` counts events per `"200 OK"`-style status of each attempt.
 */
import { STATUS_CODES } from 'node:http';
import type { Histogram } from '../core/handles.js';
import type { Labels } from '../core/labels.js';
import type { NameMatcher } from '../core/matcher.js';
import type { Recorder } from '../core/recorder.js';
import type { HistogramOptions } from '../core/registry.js';
import { Unit } from '../core/units.js';

/** distribution's EndpointMetrics, field for field. */
export interface EndpointMetrics {
  /** Events accepted and neither delivered nor dead-lettered (the batch in flight included). */
  Pending: number;
  /** Events accepted for the endpoint. */
  Events: number;
  /** Events sent with a 2xx answer (after following 307/308 redirects). */
  Successes: number;
  /** Events sent with any other status, an unfollowed 3xx included (each attempt counts). */
  Failures: number;
  /** Events whose attempt got no status: network error, timeout, reset (each attempt counts). */
  Errors: number;
  /** Events per status of each attempt, keyed `"200 OK"`. */
  Statuses: Record<string, number>;
}

/** Prometheus metric names: meterkit's prefix on distribution's exact suffixes, then meterkit's extras. */
export const NOTIFY_METRICS = {
  events: 'meterkit_notifications_events_total',
  pending: 'meterkit_notifications_pending',
  status: 'meterkit_notifications_status_total',
  errors: 'meterkit_notifications_errors_total',
  delivery: 'meterkit_notifications_delivery_total',
  retries: 'meterkit_notifications_retries_count',
  httpLatency: 'meterkit_notifications_http_latency_seconds',
  totalLatency: 'meterkit_notifications_total_latency_seconds',
  // meterkit's extras (distribution has no dead-letter store)
  deadLettered: 'meterkit_notifications_dead_lettered_total',
  deadLetters: 'meterkit_notifications_dead_letters',
  deadLettersDropped: 'meterkit_notifications_dead_letters_dropped_total',
} as const;

/** The `artifact` label of `events_total` (see the file comment: a meterkit event has no media type). */
export const ARTIFACT = '';

/** Buckets of the retries histogram (distribution's): retries per event. */
export const RETRY_BUCKETS: readonly number[] = Object.freeze([0, 1, 2, 3, 5, 10, 15, 20, 30, 50]);
/** Buckets of the latency histograms (distribution's `deliveryLatencyBuckets`), in seconds. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100]);

/** A recorder that can set histogram buckets (a Registry can); others keep their defaults. */
export interface NotifyMetricsTarget extends Recorder {
  setHistogramOptions?(match: NameMatcher, options: HistogramOptions): void;
}

/** The text distribution writes for a status: `"200 OK"`, `"599 "` for an unknown code. */
export function statusText(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`;
}

/**
 * Describes the notification metrics on `target` (and sets the histograms' buckets when it
 * can). Call once per target; endpoints then only register handles.
 */
export function describeNotifyMetrics(target: NotifyMetricsTarget): void {
  const m = NOTIFY_METRICS;
  target.describeCounter(m.events, Unit.Count, 'Events by type: Events (accepted), Dropped (ignored by the endpoint\'s rules), Successes (2xx) and Failures (any other status), each attempt counting; artifact is always empty.');
  target.describeGauge(m.pending, Unit.Count, 'Events accepted and neither delivered nor dead-lettered.');
  target.describeCounter(m.status, Unit.Count, 'Events sent, by the HTTP status of their attempt ("200 OK"), each attempt counting.');
  target.describeCounter(m.errors, Unit.Count, 'Events whose attempt got no HTTP status (network error, timeout, reset).');
  target.describeCounter(m.delivery, Unit.Count, 'Events by final outcome: delivered, or lost (given up on and moved to the dead-letter store).');
  target.describeCounter(m.deadLettered, Unit.Count, 'Events moved to the dead-letter store, by reason (status: refused with a 4xx or an unfollowed 3xx; attempts: maxAttempts used up; request: the request could not be built; malformed: a shared-queue message that was not an event).');
  target.describeGauge(m.deadLetters, Unit.Count, 'Events in the dead-letter store now.');
  target.describeCounter(m.deadLettersDropped, Unit.Count, 'Dead letters dropped, oldest first, because the endpoint\'s dead-letter store was full (maxDeadLetters).');
  target.describeHistogram(m.retries, Unit.Count, 'Retries an event needed before it was delivered or dead-lettered.');
  target.describeHistogram(m.httpLatency, Unit.Seconds, 'Duration of one request to the endpoint.');
  target.describeHistogram(m.totalLatency, Unit.Seconds, 'Time from acceptance into the queue to delivery.');
  if (target.setHistogramOptions !== undefined) {
    target.setHistogramOptions(m.retries, { buckets: RETRY_BUCKETS });
    target.setHistogramOptions(m.httpLatency, { buckets: LATENCY_BUCKETS });
    target.setHistogramOptions(m.totalLatency, { buckets: LATENCY_BUCKETS });
  }
}

/** One endpoint's figures: the EndpointMetrics object and the Prometheus handles. */
export class EndpointStats {
  private readonly m: EndpointMetrics = { Pending: 0, Events: 0, Successes: 0, Failures: 0, Errors: 0, Statuses: {} };
  private readonly ep: Labels;
  private readonly name: string;
  private readonly retries: Histogram;
  private readonly httpLatency: Histogram;
  private readonly totalLatency: Histogram;

  constructor(
    private readonly target: Recorder,
    endpoint: string,
  ) {
    this.name = endpoint;
    this.ep = { endpoint };
    this.retries = target.registerHistogram(NOTIFY_METRICS.retries, this.ep);
    this.httpLatency = target.registerHistogram(NOTIFY_METRICS.httpLatency, this.ep);
    this.totalLatency = target.registerHistogram(NOTIFY_METRICS.totalLatency, this.ep);
  }

  private events(type: string, actions: readonly string[]): void {
    // a batch usually holds few distinct actions: one handle per action, not per event
    const counts = new Map<string, number>();
    for (const a of actions) counts.set(a, (counts.get(a) ?? 0) + 1);
    for (const [action, n] of counts) this.target.registerCounter(NOTIFY_METRICS.events, { type, action, artifact: ARTIFACT, endpoint: this.name }).increment(n);
  }

  /** Events accepted into the queue. */
  accepted(actions: readonly string[]): void {
    this.m.Events += actions.length;
    this.events('Events', actions);
  }

  /** Events the endpoint's ignore rules kept out (type `Dropped`; not in EndpointMetrics, as in distribution). */
  dropped(actions: readonly string[]): void {
    this.events('Dropped', actions);
  }

  /** The queue's pending and dead-letter counts, and the dead letters it dropped (when it drops any), as they are now. */
  setQueue(pending: number, deadLetters: number, deadLettersDropped?: number, malformed?: number): void {
    this.m.Pending = pending;
    this.target.registerGauge(NOTIFY_METRICS.pending, this.ep).set(pending);
    this.target.registerGauge(NOTIFY_METRICS.deadLetters, this.ep).set(deadLetters);
    if (deadLettersDropped !== undefined) this.target.registerCounter(NOTIFY_METRICS.deadLettersDropped, this.ep).absolute(deadLettersDropped);
    // dead-lettered by the queue itself, not by a sender: counted here, under their own reason
    if (malformed !== undefined) this.target.registerCounter(NOTIFY_METRICS.deadLettered, { endpoint: this.name, reason: 'malformed' }).absolute(malformed);
  }

  /** One attempt answered with `status` after `seconds`; `ok`: the sender took it as delivery (retry.ts's rule). */
  answered(status: number, ok: boolean, actions: readonly string[], seconds: number): void {
    const text = statusText(status);
    this.m.Statuses[text] = (this.m.Statuses[text] ?? 0) + actions.length;
    if (ok) this.m.Successes += actions.length;
    else this.m.Failures += actions.length;
    this.target.registerCounter(NOTIFY_METRICS.status, { code: text, endpoint: this.name }).increment(actions.length);
    this.events(ok ? 'Successes' : 'Failures', actions);
    this.httpLatency.record(seconds);
  }

  /** One attempt that got no status. */
  errored(actions: readonly string[], seconds: number): void {
    this.m.Errors += actions.length;
    this.target.registerCounter(NOTIFY_METRICS.errors, this.ep).increment(actions.length);
    this.httpLatency.record(seconds);
  }

  /** A batch delivered after `retries` retries; `enqueuedAt` of each event for the total latency. */
  delivered(enqueuedAt: readonly number[], retries: number, now: number): void {
    this.target.registerCounter(NOTIFY_METRICS.delivery, { endpoint: this.name, delivery_type: 'delivered' }).increment(enqueuedAt.length);
    this.retries.recordMany(retries, enqueuedAt.length);
    for (const t of enqueuedAt) this.totalLatency.record(Math.max(0, now - t) / 1000);
  }

  /** A batch given up on after `retries` retries. */
  lost(count: number, retries: number, reason: 'status' | 'attempts' | 'request'): void {
    this.target.registerCounter(NOTIFY_METRICS.delivery, { endpoint: this.name, delivery_type: 'lost' }).increment(count);
    this.target.registerCounter(NOTIFY_METRICS.deadLettered, { endpoint: this.name, reason }).increment(count);
    this.retries.recordMany(retries, count);
  }

  /** A copy of distribution's EndpointMetrics. */
  read(): EndpointMetrics {
    return { ...this.m, Statuses: { ...this.m.Statuses } };
  }
}
