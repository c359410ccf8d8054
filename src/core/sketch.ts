import { ErrorCode, MeterkitError, describeValue } from './errors.js';

/** The relative accuracy a sketch uses unless told otherwise: quantiles within ±1%. */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;
/**
 * The quantiles every exporter reports for a series that keeps a sketch: the Prometheus
 * summary's `quantile` samples and the JSON document's `quantiles` object.
 */
export const REPORTED_QUANTILES: readonly number[] = Object.freeze([0.5, 0.9, 0.99, 0.999]);
/** How many bins one side of a sketch keeps at most; past it the lowest bins are merged. */
const DEFAULT_MAX_BINS = 2048;

/**
 * A sketch as plain JSON-safe data (see {@link QuantileSketch.toData}): what a process sends
 * another so that it can merge the sketch (cluster aggregation). Bins are flat
 * `[index, count, …]` pairs of the non-empty bins only.
 */
export interface SketchData {
  readonly relativeAccuracy: number;
  readonly count: number;
  /** Smallest observation (null when empty: JSON has no Infinity). */
  readonly min: number | null;
  /** Largest observation (null when empty). */
  readonly max: number | null;
  readonly zeros: number;
  readonly positive: readonly number[];
  readonly negative: readonly number[];
}

/**
 * A bin array over a window of indexes that grows as needed. When it would exceed `maxBins`
 * the lowest bins collapse into one, so accuracy is only lost at the small-value end.
 */
class DenseStore {
  counts = new Float64Array(0);
  offset = 0; // index of counts[0]
  total = 0;

  constructor(private readonly maxBins: number) {}

  add(index: number, n: number): void {
    if (this.counts.length === 0) {
      this.counts = new Float64Array(16);
      this.offset = index - 8;
    }
    let i = index - this.offset;
    if (i < 0 || i >= this.counts.length) i = this.grow(index);
    this.counts[i] = (this.counts[i] as number) + n;
    this.total += n;
  }

  private grow(index: number): number {
    const lo = Math.min(index, this.offset);
    const hi = Math.max(index, this.offset + this.counts.length - 1);
    const needed = hi - lo + 1;
    if (needed <= this.maxBins) {
      const size = Math.min(this.maxBins, Math.max(needed + 16, this.counts.length * 2));
      const next = new Float64Array(size);
      // keep slack on the side that grew
      const newOffset = index < this.offset ? Math.max(hi - size + 1, lo - 8) : lo;
      next.set(this.counts, this.offset - newOffset);
      this.counts = next;
      this.offset = newOffset;
      return index - this.offset;
    }
    // Too wide: keep the highest maxBins indexes, fold everything below into the lowest bin.
    const newOffset = hi - this.maxBins + 1;
    const next = new Float64Array(this.maxBins);
    for (let j = 0; j < this.counts.length; j++) {
      const c = this.counts[j] as number;
      if (c === 0) continue;
      const k = Math.max(0, this.offset + j - newOffset);
      next[k] = (next[k] as number) + c;
    }
    this.counts = next;
    this.offset = newOffset;
    return Math.max(0, index - newOffset);
  }

  mergeFrom(other: DenseStore): void {
    for (let j = 0; j < other.counts.length; j++) {
      const c = other.counts[j] as number;
      if (c !== 0) this.add(other.offset + j, c);
    }
  }

  /** Non-empty bins as flat `[index, count, index, count, …]`. */
  bins(): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.counts.length; j++) {
      const c = this.counts[j] as number;
      if (c !== 0) out.push(this.offset + j, c);
    }
    return out;
  }

  clear(): void {
    this.counts = new Float64Array(0);
    this.offset = 0;
    this.total = 0;
  }
}

/**
 * A mergeable quantile sketch after DDSketch (Masson, Rim & Lee, VLDB 2019): values fall into
 * logarithmic bins of ratio γ = (1+α)/(1−α), so any quantile it answers is within a relative
 * error of α of the true value at that rank (α = 0.01 by default), in O(log range) memory
 * (at most `maxBins` bins a sign; 2048 bins at α = 1% cover a ratio of about 6·10^17 between the
 * smallest and largest value). Past that range the lowest bins merge, so only the lowest
 * quantiles lose accuracy (they read high). Sketches with the same α merge exactly.
 */
export class QuantileSketch {
  /** The relative error bound α. */
  readonly relativeAccuracy: number;
  private readonly gamma: number;
  private readonly logGamma: number;
  private readonly pos: DenseStore;
  private readonly neg: DenseStore;
  private zeros = 0;
  /** Observations recorded. */
  count = 0;
  /** Smallest observation, `+Inf` when empty. */
  min = Infinity;
  /** Largest observation, `-Inf` when empty. */
  max = -Infinity;

  constructor(relativeAccuracy = DEFAULT_RELATIVE_ACCURACY, maxBins = DEFAULT_MAX_BINS) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `invalid relative accuracy ${describeValue(relativeAccuracy)}: it must be between 0 and 1 (exclusive)`,
      );
    }
    if (!Number.isInteger(maxBins) || maxBins < 16) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid maxBins ${describeValue(maxBins)}: it must be a whole number ≥ 16`);
    }
    this.relativeAccuracy = relativeAccuracy;
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
    this.pos = new DenseStore(maxBins);
    this.neg = new DenseStore(maxBins);
  }

  /** Adds `n` observations of `value`. NaN is ignored (it has no rank). */
  add(value: number, n = 1): void {
    if (value !== value || n <= 0) return;
    // Values too close to zero for a finite log index count as zero.
    if (value > 1e-300) this.pos.add(Math.ceil(Math.log(value) / this.logGamma), n);
    else if (value < -1e-300) this.neg.add(Math.ceil(Math.log(-value) / this.logGamma), n);
    else this.zeros += n;
    this.count += n;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /**
   * The value at quantile `q` (0 ≤ q ≤ 1): NaN when empty. Within the relative accuracy of
   * the true value of that rank, and never outside [min, max].
   */
  quantile(q: number): number {
    if (this.count === 0 || !(q >= 0 && q <= 1)) return NaN;
    if (q === 0) return this.min;
    if (q === 1) return this.max;
    const rank = q * (this.count - 1);
    let seen = 0;
    // negatives: largest magnitude first
    const nc = this.neg.counts;
    for (let j = nc.length - 1; j >= 0; j--) {
      seen += nc[j] as number;
      if (seen > rank) return this.clamp(-this.binValue(this.neg.offset + j));
    }
    seen += this.zeros;
    if (seen > rank) return this.clamp(0);
    const pc = this.pos.counts;
    for (let j = 0; j < pc.length; j++) {
      seen += pc[j] as number;
      if (seen > rank) return this.clamp(this.binValue(this.pos.offset + j));
    }
    return this.max;
  }

  private binValue(index: number): number {
    // the point of bin (γ^(i-1), γ^i] whose relative distance to both ends is α
    return (2 * Math.pow(this.gamma, index)) / (this.gamma + 1);
  }

  private clamp(v: number): number {
    return v < this.min ? this.min : v > this.max ? this.max : v;
  }

  /** Adds every observation of `other` to this sketch. Both must share the relative accuracy. */
  merge(other: QuantileSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `cannot merge a sketch of relative accuracy ${other.relativeAccuracy} into one of ${this.relativeAccuracy}: they must match`,
      );
    }
    if (other.count === 0) return;
    this.pos.mergeFrom(other.pos);
    this.neg.mergeFrom(other.neg);
    this.zeros += other.zeros;
    this.count += other.count;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** The sketch as plain data that {@link QuantileSketch.fromData} turns back into an equal sketch. */
  toData(): SketchData {
    return {
      relativeAccuracy: this.relativeAccuracy,
      count: this.count,
      min: this.count === 0 ? null : this.min,
      max: this.count === 0 ? null : this.max,
      zeros: this.zeros,
      positive: this.pos.bins(),
      negative: this.neg.bins(),
    };
  }

  /**
   * A sketch from {@link QuantileSketch.toData}'s data, which may come from another process:
   * checked, so bad data throws a coded error naming the bad field instead of corrupting
   * quantiles.
   */
  static fromData(data: SketchData, maxBins = DEFAULT_MAX_BINS): QuantileSketch {
    const bad = (field: string, value: unknown, rule: string): never => {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid sketch data: ${field} ${describeValue(value)}: ${rule}`);
    };
    const sketch = new QuantileSketch(data.relativeAccuracy, maxBins);
    const addBins = (field: 'positive' | 'negative', store: DenseStore): number => {
      const bins: unknown = data[field];
      if (!Array.isArray(bins) || bins.length % 2 !== 0) return bad(field, bins, 'it must be an array of [index, count] pairs');
      let total = 0;
      for (let j = 0; j < bins.length; j += 2) {
        const index: unknown = bins[j];
        const n: unknown = bins[j + 1];
        if (!Number.isSafeInteger(index)) bad(`${field} index`, index, 'it must be a whole number');
        if (typeof n !== 'number' || !(n > 0) || !Number.isFinite(n)) bad(`${field} count`, n, 'it must be a finite number > 0');
        store.add(index as number, n as number);
        total += n as number;
      }
      return total;
    };
    const total = addBins('positive', sketch.pos) + addBins('negative', sketch.neg);
    if (typeof data.zeros !== 'number' || !(data.zeros >= 0) || !Number.isFinite(data.zeros)) bad('zeros', data.zeros, 'it must be a finite number ≥ 0');
    sketch.zeros = data.zeros;
    const count = total + data.zeros;
    if (data.count !== count) bad('count', data.count, `it must equal the bins' total (${count})`);
    sketch.count = count;
    if (count > 0) {
      if (typeof data.min !== 'number' || typeof data.max !== 'number' || !(data.min <= data.max)) {
        bad('min/max', [data.min, data.max], 'they must be numbers with min ≤ max when the sketch is not empty');
      }
      sketch.min = data.min as number;
      sketch.max = data.max as number;
    }
    return sketch;
  }

  /** Forgets every observation. */
  clear(): void {
    this.pos.clear();
    this.neg.clear();
    this.zeros = 0;
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }
}
