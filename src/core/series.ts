import type { Exemplar, StoredExemplar } from './exemplar.js';
import { toStoredExemplar } from './exemplar.js';
import type { Counter, Gauge, Histogram } from './handles.js';
import { QuantileSketch } from './sketch.js';
import type { SketchData } from './sketch.js';
import { WindowedSketch } from './window.js';
import type { InvalidReason, ValueRule } from './validate.js';
import { isCount, isCounterValue, isFiniteNumber } from './validate.js';

/** What a series needs from the family it lives in. */
export interface SeriesOwner {
  /** The metric name, for error messages. */
  readonly name: string;
  /** True for the family's overflow series, which label sets past the cardinality limit share. */
  readonly overflow: boolean;
  /** Label names of the series, in the order exporters are given its values. */
  readonly labelNames: readonly string[];
  /** Puts a detached series back (its handle was used after removal or expiry). */
  revive(series: SeriesBase): void;
  /** An update was dropped: count and report it (see core/validate.ts). Never throws. */
  reject(what: string, value: unknown, rule: ValueRule, reason?: InvalidReason): void;
  /** Wall-clock ms since the Unix epoch, for exemplar timestamps. */
  wallClock(): number;
}

/** What a reader may know of a series' label set. */
export interface SeriesLabelsView {
  /** Label names of the series, in the order exporters are given its values. */
  readonly labelNames: readonly string[];
}

/*
 * Readers (exporters, tests, tools) see a series through these read-only views, narrowed by
 * `kind`; writers get update-only handles (core/handles.ts). Both are the same object at run
 * time (that is what makes an update one field write), but neither type lets a caller move a
 * counter backwards or rewrite what a scrape reads.
 */
interface ViewCommon {
  /** The label set the series belongs to. */
  readonly owner: SeriesLabelsView;
  /** Registry clock (ms since the registry's epoch) when the series was created or last reset. */
  readonly created: number;
}

/** A counter, read-only. */
export interface CounterView extends ViewCommon {
  readonly kind: 'counter';
  /** The current total. */
  readonly value: number;
  /** The exemplar of the latest increment that carried one. */
  readonly exemplar: StoredExemplar | null;
}

/** A gauge, read-only. */
export interface GaugeView extends ViewCommon {
  readonly kind: 'gauge';
  /** The current value. */
  readonly value: number;
  /** The explicit sample time (ms since the epoch) from `setAt`; 0: none. */
  readonly timestamp: number;
}

/** The reading side of a quantile sketch. */
export interface SketchView {
  /** The estimated `q`-quantile (0 ≤ q ≤ 1); NaN when the sketch is empty. */
  quantile(q: number): number;
  /** The sketch as plain data, for merging elsewhere (cluster aggregation): see `QuantileSketch.toData`. */
  toData(): SketchData;
}

/** A histogram, read-only. */
export interface HistogramView extends ViewCommon {
  readonly kind: 'histogram';
  /** Bucket bounds and sketch settings (shared by the family). */
  readonly layout: HistogramLayout;
  /** Observations per bucket (not cumulative); the last slot is the +Inf bucket. */
  readonly bucketCounts: ArrayLike<number>;
  /** Sum of observations. */
  readonly sum: number;
  /** Number of observations. */
  readonly count: number;
  /**
   * True once an observation below 0 was recorded (until a reset): the sum is then no counter,
   * and OpenMetrics forbids exposing it. Absent: not known (a merged view), judged by `sum`.
   */
  readonly sawNegative?: boolean;
  /**
   * The quantile sketch, when the family keeps one: with a `maxAge` (see
   * {@link HistogramLayout.maxAge}) it reads the sliding window only.
   */
  readonly sketch: SketchView | null;
  /** The all-time sketch: the same object as `sketch` unless the family has a window. */
  readonly lifetimeSketch: SketchView | null;
  /** Exemplars per bucket (same slots as `bucketCounts`), or null before the first. */
  readonly exemplars: ReadonlyArray<StoredExemplar | null> | null;
}

/** Any series, read-only: narrow it with `kind`. */
export type SeriesView = CounterView | GaugeView | HistogramView;

/*
 * `mark` values. A handle's hot path only writes when the mark is not TOUCHED, so an update
 * costs one compare. Negative marks mean "not updated since the idle sweep at clock t" and
 * encode t as -(t + 1): the sweep needs no second field per series.
 */
/** The series was updated since the last idle sweep. */
export const TOUCHED = 1;
/** The series was removed from its family; its next update revives it. */
export const DETACHED = 2;
/** The mark for "untouched since the sweep at clock `t`". */
export function untouchedSince(t: number): number {
  return -t - 1;
}
/** The sweep clock a negative mark stands for. */
export function sweptAt(mark: number): number {
  return -mark - 1;
}

/**
 * A stored series. The series object is also the handle a recorder hands out, so an update is
 * one field write plus one compare: that is where handle speed comes from.
 */
export abstract class SeriesBase {
  /** TOUCHED, DETACHED, or untouched since a sweep (negative): see `untouchedSince`. */
  mark = TOUCHED;
  /** Registry clock (ms since the registry's epoch) when the series was created or last reset. */
  created: number;
  /**
   * A layer's companion of this series, kept on it so that the layer finds it with the
   * registry's own lookup instead of one of its own: the fanout's handle that updates this
   * series and the same series of the other recorders (core/layers/fanout.ts). Core only.
   */
  sidecar: SeriesBase | null = null;

  constructor(
    /** The label set (of a family) the series belongs to. */
    readonly owner: SeriesOwner,
    now: number,
  ) {
    this.created = now;
  }

  protected touch(): void {
    if (this.mark === DETACHED) this.owner.revive(this);
    else this.mark = TOUCHED;
  }

  /** Forgets the recorded data (used when the series is removed). */
  abstract reset(): void;
  /** Adds this series' data into `live` and resets this one: how a stale handle's updates land. */
  abstract foldInto(live: SeriesBase): void;
}

/** Checks and stores an exemplar; a bad one is reported and dropped, the update stays. */
function exemplarOf(owner: SeriesOwner, e: Exemplar, value: number): StoredExemplar | null {
  const stored = toStoredExemplar(e, value, owner.wallClock());
  if (typeof stored !== 'string') return stored;
  owner.reject('exemplar', stored, 'finite', 'bad_exemplar');
  return null;
}

/** A counter series (and handle). */
export class CounterSeries extends SeriesBase implements Counter, CounterView {
  get kind(): 'counter' {
    return 'counter';
  }
  /** The current total. */
  value = 0;
  /** The exemplar of the latest increment that carried one. */
  exemplar: StoredExemplar | null = null;

  increment(n: number = 1, exemplar?: Exemplar): void {
    // typeof first: adding a bigint would throw. NaN fails `>= 0`; Infinity, or a sum that
    // runs past the largest double, fails the second test.
    if (typeof n !== 'number' || !(n >= 0) || this.value + n === Infinity) {
      this.owner.reject('counter increment', n, 'counter');
      return;
    }
    this.value += n;
    if (exemplar !== undefined) this.exemplar = exemplarOf(this.owner, exemplar, n) ?? this.exemplar;
    if (this.mark !== TOUCHED) this.touch();
  }

  absolute(v: number): void {
    if (!isCounterValue(v)) {
      this.owner.reject('counter value', v, 'counter');
      return;
    }
    if (v > this.value) this.value = v;
    if (this.mark !== TOUCHED) this.touch();
  }

  reset(): void {
    this.value = 0;
    this.exemplar = null;
  }

  foldInto(live: SeriesBase): void {
    const c = live as CounterSeries;
    c.value += this.value;
    if (this.exemplar !== null) c.exemplar = this.exemplar;
    this.reset();
  }
}

/** A gauge series (and handle). */
export class GaugeSeries extends SeriesBase implements Gauge, GaugeView {
  get kind(): 'gauge' {
    return 'gauge';
  }
  /** The current value. */
  value = 0;
  /**
   * An explicit sample time (ms since the epoch) given by {@link GaugeSeries.setAt}, written
   * after the value by the text formats; 0: none (the scraper stamps the sample).
   */
  timestamp = 0;

  increment(n: number = 1): void {
    if (typeof n !== 'number') {
      this.owner.reject('gauge increment', n, 'finite');
      return;
    }
    const next = this.value + n;
    if (next - next !== 0) {
      this.owner.reject('gauge increment', n, 'finite');
      return;
    }
    this.value = next;
    if (this.timestamp !== 0) this.timestamp = 0;
    if (this.mark !== TOUCHED) this.touch();
  }

  decrement(n: number = 1): void {
    if (typeof n !== 'number') {
      this.owner.reject('gauge decrement', n, 'finite');
      return;
    }
    const next = this.value - n;
    if (next - next !== 0) {
      this.owner.reject('gauge decrement', n, 'finite');
      return;
    }
    this.value = next;
    if (this.timestamp !== 0) this.timestamp = 0;
    if (this.mark !== TOUCHED) this.touch();
  }

  set(v: number): void {
    if (!isFiniteNumber(v)) {
      this.owner.reject('gauge value', v, 'finite');
      return;
    }
    this.value = v;
    if (this.timestamp !== 0) this.timestamp = 0;
    if (this.mark !== TOUCHED) this.touch();
  }

  /**
   * Sets the value with an explicit sample time (ms since the epoch), as cAdvisor does for
   * `container_last_seen`: the exposition carries the time, so the last sample stays
   * queryable after the series is gone. The next `set()`, `increment()` or `decrement()`
   * drops the explicit time.
   */
  setAt(v: number, timestampMs: number): void {
    if (!isFiniteNumber(timestampMs) || timestampMs <= 0) {
      this.owner.reject('gauge sample time', timestampMs, 'finite');
      return;
    }
    if (!isFiniteNumber(v)) {
      this.owner.reject('gauge value', v, 'finite');
      return;
    }
    this.value = v;
    this.timestamp = Math.round(timestampMs);
    if (this.mark !== TOUCHED) this.touch();
  }

  reset(): void {
    this.value = 0;
    this.timestamp = 0;
  }

  foldInto(live: SeriesBase): void {
    // A stale gauge handle was written after its series was recreated: the stale handle's
    // write is the newest one, so it wins.
    (live as GaugeSeries).value = this.value;
    (live as GaugeSeries).timestamp = this.timestamp;
    this.value = 0;
    this.timestamp = 0;
  }
}

/** Bucket layout and optional sketch settings shared by every series of a histogram family. */
export interface HistogramLayout {
  /** Finite upper bounds, strictly increasing; the +Inf bucket is implicit. Empty: no buckets. */
  readonly bounds: Float64Array;
  /** Relative accuracy of the quantile sketch, or null when the family keeps none. */
  readonly sketchAccuracy: number | null;
  /** The quantiles a summary and the JSON view report (0 ≤ q ≤ 1, strictly increasing). */
  readonly reportedQuantiles: readonly number[];
  /** Quantiles cover the last `maxAge` ms (prom-client's `maxAgeSeconds` × 1000); 0: the lifetime. */
  readonly maxAge: number;
  /** Rotating sketches of the window (prom-client's `ageBuckets`); 0 when there is no window. */
  readonly ageBuckets: number;
}

/** The concrete series a registry stores. */
export type AnySeries = CounterSeries | GaugeSeries | HistogramSeries;

/** A histogram series (and handle). */
export class HistogramSeries extends SeriesBase implements Histogram, HistogramView {
  get kind(): 'histogram' {
    return 'histogram';
  }
  /** Observations per bucket (not cumulative); the last slot is the +Inf bucket. */
  readonly bucketCounts: Float64Array;
  /** Sum of observations. */
  sum = 0;
  /** Number of observations. */
  count = 0;
  /** See {@link HistogramView.sawNegative}. */
  sawNegative = false;
  /*
   * Two fields, not one sketch interface, so that the call in `place` stays monomorphic: an
   * un-windowed histogram pays nothing for windows.
   */
  /** The lifetime sketch of an un-windowed family. */
  private readonly lifetimeOnly: QuantileSketch | null;
  /** The sliding window of a family with a `maxAge`. */
  private readonly windowed: WindowedSketch | null;

  /** `clock`: the registry clock (ms) a window rotates on; needed when the layout has a `maxAge`. */
  constructor(owner: SeriesOwner, now: number, readonly layout: HistogramLayout, clock?: () => number) {
    super(owner, now);
    this.bucketCounts = new Float64Array(layout.bounds.length + 1);
    const acc = layout.sketchAccuracy;
    this.windowed = acc !== null && layout.maxAge > 0 ? new WindowedSketch(acc, layout.maxAge, layout.ageBuckets, clock ?? Date.now) : null;
    this.lifetimeOnly = acc !== null && this.windowed === null ? new QuantileSketch(acc) : null;
  }

  /** The quantile sketch (the window's, when the family has a `maxAge`). */
  get sketch(): SketchView | null {
    return this.windowed === null ? this.lifetimeOnly : this.windowed.window;
  }

  /** The all-time sketch. */
  get lifetimeSketch(): SketchView | null {
    return this.windowed === null ? this.lifetimeOnly : this.windowed.lifetime;
  }

  record(v: number, exemplar?: Exemplar): void {
    if (!isFiniteNumber(v)) {
      this.owner.reject('histogram observation', v, 'finite');
      return;
    }
    this.place(v, 1, exemplar);
  }

  recordMany(v: number, n: number): void {
    if (!isFiniteNumber(v)) {
      this.owner.reject('histogram observation', v, 'finite');
      return;
    }
    if (!isCount(n)) {
      this.owner.reject('observation count', n, 'count');
      return;
    }
    this.place(v, n, undefined);
  }

  private place(v: number, n: number, exemplar: Exemplar | undefined): void {
    const sum = this.sum + v * n;
    if (sum - sum !== 0) {
      this.owner.reject('histogram observation', v, 'finite', 'overflow');
      return;
    }
    const bounds = this.layout.bounds;
    const len = bounds.length;
    let i = 0;
    if (len <= 16) {
      while (i < len && v > (bounds[i] as number)) i++;
    } else {
      let hi = len;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (v > (bounds[mid] as number)) i = mid + 1;
        else hi = mid;
      }
    }
    this.bucketCounts[i] = (this.bucketCounts[i] as number) + n;
    if (exemplar !== undefined) this.setExemplar(i, exemplar, v);
    this.sum = sum;
    this.count += n;
    if (v < 0) this.sawNegative = true;
    if (this.lifetimeOnly !== null) this.lifetimeOnly.add(v, n);
    else if (this.windowed !== null) this.windowed.add(v, n);
    if (this.mark !== TOUCHED) this.touch();
  }

  /** Exemplars per bucket (same slots as `bucketCounts`), made on the first exemplar. */
  exemplars: Array<StoredExemplar | null> | null = null;

  private setExemplar(bucket: number, e: Exemplar, v: number): void {
    const stored = exemplarOf(this.owner, e, v);
    if (stored === null) return;
    this.exemplars ??= new Array<StoredExemplar | null>(this.bucketCounts.length).fill(null);
    this.exemplars[bucket] = stored;
  }

  reset(): void {
    this.bucketCounts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.sawNegative = false;
    this.lifetimeOnly?.clear();
    this.windowed?.clear();
    this.exemplars = null;
  }

  foldInto(live: SeriesBase): void {
    const h = live as HistogramSeries;
    for (let i = 0; i < this.bucketCounts.length; i++) {
      h.bucketCounts[i] = (h.bucketCounts[i] as number) + (this.bucketCounts[i] as number);
    }
    h.sum += this.sum;
    h.count += this.count;
    if (this.sawNegative) h.sawNegative = true;
    if (this.lifetimeOnly !== null && h.lifetimeOnly !== null) h.lifetimeOnly.merge(this.lifetimeOnly);
    if (this.windowed !== null && h.windowed !== null) h.windowed.absorb(this.windowed);
    if (this.exemplars !== null) {
      const mine = this.exemplars;
      h.exemplars ??= new Array<StoredExemplar | null>(h.bucketCounts.length).fill(null);
      for (let i = 0; i < mine.length; i++) if (mine[i] !== null) h.exemplars[i] = mine[i] as StoredExemplar;
    }
    this.reset();
  }
}
