import { ErrorCode, MeterkitError, describeValue } from './errors.js';
import type { Counter, Gauge, Histogram } from './handles.js';
import { QuantileSketch } from './sketch.js';

/** What a series needs from the family it lives in. */
export interface SeriesOwner {
  /** The metric name, for error messages. */
  readonly name: string;
  /** Label names of the series, in the order exporters are given its values. */
  readonly labelNames: readonly string[];
  /** Puts a detached series back (its handle was used after removal or expiry). */
  revive(series: SeriesBase): void;
}

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

function badNumber(what: string, v: unknown, rule: string, owner: SeriesOwner): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidValue, `invalid ${what} ${describeValue(v)} for metric "${owner.name}": ${rule}`);
}

/** A counter series (and handle). */
export class CounterSeries extends SeriesBase implements Counter {
  /** The current total. */
  value = 0;

  increment(n = 1): void {
    if (!(n >= 0 && n !== Infinity)) {
      throw badNumber('counter increment', n, 'a counter increment must be a finite number ≥ 0', this.owner);
    }
    this.value += n;
    if (this.mark !== TOUCHED) this.touch();
  }

  absolute(v: number): void {
    if (!(v >= 0 && v !== Infinity)) {
      throw badNumber('counter value', v, 'an absolute counter value must be a finite number ≥ 0', this.owner);
    }
    if (v > this.value) this.value = v;
    if (this.mark !== TOUCHED) this.touch();
  }

  reset(): void {
    this.value = 0;
  }

  foldInto(live: SeriesBase): void {
    (live as CounterSeries).value += this.value;
    this.value = 0;
  }
}

/** A gauge series (and handle). */
export class GaugeSeries extends SeriesBase implements Gauge {
  /** The current value. */
  value = 0;

  increment(n = 1): void {
    if (typeof n !== 'number') throw badNumber('gauge increment', n, 'it must be a number', this.owner);
    this.value += n;
    if (this.mark !== TOUCHED) this.touch();
  }

  decrement(n = 1): void {
    if (typeof n !== 'number') throw badNumber('gauge decrement', n, 'it must be a number', this.owner);
    this.value -= n;
    if (this.mark !== TOUCHED) this.touch();
  }

  set(v: number): void {
    if (typeof v !== 'number') throw badNumber('gauge value', v, 'it must be a number', this.owner);
    this.value = v;
    if (this.mark !== TOUCHED) this.touch();
  }

  reset(): void {
    this.value = 0;
  }

  foldInto(live: SeriesBase): void {
    // A stale gauge handle was written after its series was recreated: the stale handle's
    // write is the newest one, so it wins.
    (live as GaugeSeries).value = this.value;
    this.value = 0;
  }
}

/** Bucket layout and optional sketch settings shared by every series of a histogram family. */
export interface HistogramLayout {
  /** Finite upper bounds, strictly increasing; the +Inf bucket is implicit. Empty: no buckets. */
  readonly bounds: Float64Array;
  /** Relative accuracy of the quantile sketch, or null when the family keeps none. */
  readonly sketchAccuracy: number | null;
}

/** A histogram series (and handle). */
export class HistogramSeries extends SeriesBase implements Histogram {
  /** Observations per bucket (not cumulative); the last slot is the +Inf bucket. */
  readonly bucketCounts: Float64Array;
  /** Sum of observations. */
  sum = 0;
  /** Number of observations. */
  count = 0;
  /** Quantile sketch, when the family keeps one. */
  readonly sketch: QuantileSketch | null;

  constructor(owner: SeriesOwner, now: number, readonly layout: HistogramLayout) {
    super(owner, now);
    this.bucketCounts = new Float64Array(layout.bounds.length + 1);
    this.sketch = layout.sketchAccuracy === null ? null : new QuantileSketch(layout.sketchAccuracy);
  }

  record(v: number): void {
    if (typeof v !== 'number' || v !== v) {
      throw badNumber('histogram value', v, 'a histogram value must be a number and not NaN', this.owner);
    }
    this.place(v, 1);
  }

  recordMany(v: number, n: number): void {
    if (typeof v !== 'number' || v !== v) {
      throw badNumber('histogram value', v, 'a histogram value must be a number and not NaN', this.owner);
    }
    if (!(n >= 0 && Number.isInteger(n))) {
      throw badNumber('observation count', n, 'recordMany needs a whole number ≥ 0', this.owner);
    }
    this.place(v, n);
  }

  private place(v: number, n: number): void {
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
    this.sum += v * n;
    this.count += n;
    if (this.sketch !== null) this.sketch.add(v, n);
    if (this.mark !== TOUCHED) this.touch();
  }

  reset(): void {
    this.bucketCounts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.sketch?.clear();
  }

  foldInto(live: SeriesBase): void {
    const h = live as HistogramSeries;
    for (let i = 0; i < this.bucketCounts.length; i++) {
      h.bucketCounts[i] = (h.bucketCounts[i] as number) + (this.bucketCounts[i] as number);
    }
    h.sum += this.sum;
    h.count += this.count;
    if (this.sketch !== null && h.sketch !== null) h.sketch.merge(this.sketch);
    this.reset();
  }
}
