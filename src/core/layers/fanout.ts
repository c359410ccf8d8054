import { ErrorCode, MeterkitError, describeValue } from '../errors.js';
import type { Exemplar } from '../exemplar.js';
import type { Counter, Gauge, Histogram } from '../handles.js';
import type { Labels } from '../labels.js';
import type { FamilyHost } from '../family.js';
import { Family } from '../family.js';
import type { MetricKind, Recorder } from '../recorder.js';
import { registerByKind } from '../recorder.js';
import { SeriesBase } from '../series.js';
import type { SeriesOwner } from '../series.js';
import { Registry } from '../registry.js';
import type { Unit } from '../units.js';
import { isCount, isCounterValue, isFiniteNumber } from '../validate.js';

type AnyHandle = Counter & Gauge & Histogram;

/*
 * An update that breaks the value rule goes to the first recorder only: that one drops,
 * counts and reports it (core/validate.ts), so one bad update is counted once, not once per
 * recorder — in the agent the stream reports into the same registry.
 */
class FanoutHandle extends SeriesBase implements Counter, Gauge, Histogram {
  constructor(
    owner: SeriesOwner,
    private readonly handles: readonly AnyHandle[],
    /** Counter rule for `increment` (≥ 0) rather than the gauge rule (finite). */
    private readonly counter: boolean,
    /** The fanout that made it (a registry series keeps the handle of one fanout: its `sidecar`). */
    readonly fanout: FanoutRecorder,
  ) {
    super(owner, 0);
  }
  // a cache entry holds no data of its own: nothing to reset or fold
  reset(): void {}
  foldInto(): void {}
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

/** Fanout handles kept per metric name before that name's cache is emptied and refilled. */
export const FANOUT_CACHE_LIMIT = 10_000;

const CACHE_HOST: FamilyHost = {
  clock: () => 0,
  onOverflow: () => undefined, // never: the cache has no limit of its own (see FANOUT_CACHE_LIMIT)
  invalid: () => undefined, // never: fanout handles do not validate through their owner
  wallClock: Date.now,
};

/**
 * Sends every metric to several recorders: one handle updates them all (e.g. a Registry for
 * Prometheus and a TcpRecorder for the live stream). An update whose value breaks the rule
 * reaches only the first recorder, which counts and reports it.
 *
 * Resolving with labels on every call stays cheap: the fanout keeps the handle it built for
 * each label set in the same value-keyed trie a Registry uses (core/family.ts), so a call for
 * an existing series allocates nothing and costs one trie walk plus the updates themselves.
 * The cache holds at most {@link FANOUT_CACHE_LIMIT} label sets per name; past that it is
 * emptied (handles already given out keep working: they are plain handles of the recorders).
 *
 * When the first recorder is a {@link Registry} (the agent's stack: registry + stream), the
 * fanout skips even that walk: it asks the registry for its series (the one lookup a bare
 * registry does) and keeps its own handle on that series (`SeriesBase.sidecar`), so through
 * the stack a call costs the registry's lookup plus one field read and the updates. The
 * overflow series (shared by every label set past the cardinality limit) and a series that
 * another fanout already keeps a handle on go through the cache instead.
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
    const first = recorders[0];
    this.primary = recorders.length > 1 && first instanceof Registry ? first : null;
  }

  /** The first recorder when it is a Registry whose series can carry this fanout's handles. */
  private readonly primary: Registry | null;

  private readonly caches: Record<MetricKind, Map<string, Family<FanoutHandle>>> = {
    counter: new Map(),
    gauge: new Map(),
    histogram: new Map(),
  };
  private last: Family<FanoutHandle> | null = null;

  private resolve(kind: MetricKind, name: string, labels: Labels | undefined): AnyHandle {
    let f = this.last;
    if (f === null || f.name !== name || f.kind !== kind) {
      f = this.caches[kind].get(name) ?? this.family(kind, name);
      this.last = f;
    }
    if (f.size >= FANOUT_CACHE_LIMIT) f.removeAll();
    return f.resolve(labels);
  }

  private family(kind: MetricKind, name: string): Family<FanoutHandle> {
    const counter = kind === 'counter';
    const f = new Family<FanoutHandle>(name, kind, Number.POSITIVE_INFINITY, CACHE_HOST, (owner, values) => {
      const names = owner.labelNames;
      const labels: Labels | undefined = names.length === 0 ? undefined : names.map((n, i) => [n, values[i] as string] as const);
      const handles = this.recorders.map((r) => registerByKind(r, kind, name, labels)) as AnyHandle[];
      return new FanoutHandle(owner, handles, counter, this);
    });
    this.caches[kind].set(name, f);
    return f;
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
    const p = this.primary;
    if (p !== null) {
      const s = p.registerCounter(name, labels) as unknown as SeriesBase;
      const h = s.sidecar;
      return h !== null && (h as FanoutHandle).fanout === this ? (h as FanoutHandle) : this.attach('counter', name, labels, s);
    }
    if (this.recorders.length === 1) return (this.recorders[0] as Recorder).registerCounter(name, labels);
    return this.resolve('counter', name, labels);
  }
  registerGauge(name: string, labels?: Labels): Gauge {
    const p = this.primary;
    if (p !== null) {
      const s = p.registerGauge(name, labels) as unknown as SeriesBase;
      const h = s.sidecar;
      return h !== null && (h as FanoutHandle).fanout === this ? (h as FanoutHandle) : this.attach('gauge', name, labels, s);
    }
    if (this.recorders.length === 1) return (this.recorders[0] as Recorder).registerGauge(name, labels);
    return this.resolve('gauge', name, labels);
  }
  registerHistogram(name: string, labels?: Labels): Histogram {
    const p = this.primary;
    if (p !== null) {
      const s = p.registerHistogram(name, labels) as unknown as SeriesBase;
      const h = s.sidecar;
      return h !== null && (h as FanoutHandle).fanout === this ? (h as FanoutHandle) : this.attach('histogram', name, labels, s);
    }
    if (this.recorders.length === 1) return (this.recorders[0] as Recorder).registerHistogram(name, labels);
    return this.resolve('histogram', name, labels);
  }

  /**
   * The first call for a registry series: builds the handle over it and the other recorders'
   * series for the same labels, and keeps it on the series. Falls back to the cache for the
   * overflow series (its label sets differ, so the other recorders' series must too) and for
   * a series another fanout keeps its handle on.
   */
  private attach(kind: MetricKind, name: string, labels: Labels | undefined, s: SeriesBase): AnyHandle {
    if (s.owner.overflow || s.sidecar !== null) return this.resolve(kind, name, labels);
    const handles = [s as unknown as AnyHandle];
    for (let i = 1; i < this.recorders.length; i++) handles.push(registerByKind(this.recorders[i] as Recorder, kind, name, labels) as AnyHandle);
    const h = new FanoutHandle(s.owner, handles, kind === 'counter', this);
    s.sidecar = h;
    return h;
  }

  /**
   * Removes the series `name`/`labels` from every recorder that can remove series (a
   * Registry; a stream has nothing to remove), and forgets the fanout's handle for it.
   * True when any recorder had it.
   */
  remove(name: string, labels?: Labels): boolean {
    for (const kind of ['counter', 'gauge', 'histogram'] as const) this.caches[kind].get(name)?.remove(labels);
    let any = false;
    for (const r of this.recorders) {
      const rm = (r as Partial<Removable>).remove;
      if (typeof rm === 'function' && rm.call(r, name, labels) === true) any = true;
    }
    return any;
  }
}

/** A recorder that can unpublish a series (a Registry). */
interface Removable {
  remove(name: string, labels?: Labels): boolean;
}
