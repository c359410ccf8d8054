import { ErrorCode, MeterkitError, describeValue } from '../errors.js';
import type { Exemplar } from '../exemplar.js';
import type { Counter, Gauge, Histogram } from '../handles.js';
import type { Labels } from '../labels.js';
import type { Recorder } from '../recorder.js';
import type { Unit } from '../units.js';
import { isCount, isCounterValue, isFiniteNumber } from '../validate.js';

type AnyHandle = Counter & Gauge & Histogram;

/*
 * An update that breaks the value rule goes to the first recorder only: that one drops,
 * counts and reports it (core/validate.ts), so one bad update is counted once, not once per
 * recorder — in the agent the stream reports into the same registry.
 */
class FanoutHandle implements Counter, Gauge, Histogram {
  constructor(
    private readonly handles: readonly AnyHandle[],
    /** Counter rule for `increment` (≥ 0) rather than the gauge rule (finite). */
    private readonly counter: boolean,
  ) {}
  private first(): AnyHandle {
    return this.handles[0] as AnyHandle;
  }
  increment(n?: number, exemplar?: Exemplar): void {
    if (n === undefined || (this.counter ? isCounterValue(n) : isFiniteNumber(n))) {
      for (const h of this.handles) h.increment(n, exemplar);
    } else this.first().increment(n);
  }
  decrement(n?: number): void {
    if (n === undefined || isFiniteNumber(n)) for (const h of this.handles) h.decrement(n);
    else this.first().decrement(n);
  }
  absolute(v: number): void {
    if (isCounterValue(v)) for (const h of this.handles) h.absolute(v);
    else this.first().absolute(v);
  }
  set(v: number): void {
    if (isFiniteNumber(v)) for (const h of this.handles) h.set(v);
    else this.first().set(v);
  }
  record(v: number, exemplar?: Exemplar): void {
    if (isFiniteNumber(v)) for (const h of this.handles) h.record(v, exemplar);
    else this.first().record(v);
  }
  recordMany(v: number, n: number): void {
    if (isFiniteNumber(v) && isCount(n)) for (const h of this.handles) h.recordMany(v, n);
    else this.first().recordMany(v, n);
  }
}

function isRecorder(r: unknown): r is Recorder {
  if (r === null || typeof r !== 'object') return false;
  const o = r as Record<string, unknown>;
  return ['describeCounter', 'describeGauge', 'describeHistogram', 'registerCounter', 'registerGauge', 'registerHistogram'].every(
    (m) => typeof o[m] === 'function',
  );
}

/**
 * Sends every metric to several recorders: one handle updates them all (e.g. a Registry for
 * Prometheus and a TcpRecorder for the live stream). An update whose value breaks the rule
 * reaches only the first recorder, which counts and reports it.
 */
export class FanoutRecorder implements Recorder {
  /** The recorders, in the order they are updated. */
  readonly recorders: readonly Recorder[];

  /** @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` unless `recorders` is a non-empty array of recorders. */
  constructor(recorders: readonly Recorder[]) {
    if (!Array.isArray(recorders) || recorders.length === 0) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid recorders ${describeValue(recorders)}: FanoutRecorder takes a non-empty array of recorders`);
    }
    recorders.forEach((r: unknown, i) => {
      if (!isRecorder(r)) {
        throw new MeterkitError(ErrorCode.InvalidArgument, `invalid recorder ${describeValue(r)} at index ${i}: a recorder has describe* and register* methods for counters, gauges and histograms`);
      }
    });
    this.recorders = [...recorders];
  }

  private all<H>(get: (r: Recorder) => H, counter: boolean): H {
    if (this.recorders.length === 1) return get(this.recorders[0] as Recorder);
    return new FanoutHandle(this.recorders.map(get) as unknown as AnyHandle[], counter) as H;
  }

  describeCounter(name: string, unit?: Unit, description?: string): void {
    for (const r of this.recorders) r.describeCounter(name, unit, description);
  }
  describeGauge(name: string, unit?: Unit, description?: string): void {
    for (const r of this.recorders) r.describeGauge(name, unit, description);
  }
  describeHistogram(name: string, unit?: Unit, description?: string): void {
    for (const r of this.recorders) r.describeHistogram(name, unit, description);
  }
  registerCounter(name: string, labels?: Labels): Counter {
    return this.all((r) => r.registerCounter(name, labels), true);
  }
  registerGauge(name: string, labels?: Labels): Gauge {
    return this.all((r) => r.registerGauge(name, labels), false);
  }
  registerHistogram(name: string, labels?: Labels): Histogram {
    return this.all((r) => r.registerHistogram(name, labels), false);
  }
}
