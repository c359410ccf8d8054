/**
 * A window: the last `cap` metrics of one (metric name, peer), in a ring, plus what the monitor
 * judged about them. One object per (peer, metric) holds both, so a check walks one array of
 * them and a window costs one object, one ring and the metrics it holds (measured in
 * `bench/monitor.ts`: the target is ≤ 4 KB for a full window of 25).
 */
import type { Counter, Gauge } from '../core/handles.js';
import type { Metric, PeerState } from './types.js';

/** The interval statistics of a window's arrivals, for the phi detector. */
export interface ArrivalStats {
  /** Intervals between consecutive arrivals in the window (metrics held − 1). */
  intervals: number;
  /** Mean interval, ms. */
  mean: number;
  /** Population standard deviation of the intervals, ms. */
  stdDev: number;
}

export class Window {
  /** Slot the next metric goes to; equals the length of `ring` until it is full. */
  private next = 0;
  private readonly ring: Metric[] = [];
  /** The newest metric (also in the ring), kept apart because every check reads it. */
  latest: Metric | undefined;

  /** What the last judgement found. */
  state: PeerState = 'unknown';
  /** The phi of the last judgement, or null when the ttl rule judged. */
  phi: number | null = null;
  /** A `down` was raised and no `up` since: the outage that `up` ends. */
  outage = false;
  /** When the last `down` of the outage was raised (for re-alerts). */
  lastAlert = 0;
  /** Arrival statistics, refreshed on each arrival when the phi detector is used. */
  readonly stats: ArrivalStats = { intervals: 0, mean: 0, stdDev: 0 };

  /** The monitor's own series of this window (resolved once; undefined without a recorder). */
  ageGauge: Gauge | undefined;
  phiGauge: Gauge | undefined;
  logged: Counter | undefined;

  constructor(
    readonly name: string,
    readonly peer: string,
    private readonly cap: number,
  ) {}

  /** Adds `m` as the newest metric, overwriting the oldest when the window is full. */
  push(m: Metric): void {
    this.ring[this.next] = m;
    this.next = this.next + 1 === this.cap ? 0 : this.next + 1;
    this.latest = m;
  }

  /** The i-th newest metric (0 = the newest). */
  private nth(i: number): Metric {
    const size = this.ring.length;
    // when not full, next === size, so this is size − 1 − i; when full it wraps
    return this.ring[(this.next - 1 - i + 2 * size) % size] as Metric;
  }

  /** A copy of the window, newest first. */
  copy(): Metric[] {
    const out = new Array<Metric>(this.ring.length);
    for (let i = 0; i < out.length; i++) out[i] = this.nth(i);
    return out;
  }

  /**
   * Recomputes {@link stats} from the arrival times held. The sum of the intervals is the
   * newest arrival minus the oldest (they telescope), so only the squares need the loop; it
   * runs over the window (≤ cap − 1 terms) on each arrival, which is exact where running sums
   * of squares would drift.
   */
  refreshStats(): void {
    const n = this.ring.length - 1;
    const s = this.stats;
    s.intervals = n;
    if (n < 1) {
      s.mean = 0;
      s.stdDev = 0;
      return;
    }
    const mean = (this.nth(0).receivedAt - this.nth(n).receivedAt) / n;
    let sq = 0;
    let later = this.nth(0).receivedAt;
    for (let i = 1; i <= n; i++) {
      const t = this.nth(i).receivedAt;
      const d = later - t - mean;
      sq += d * d;
      later = t;
    }
    s.mean = mean;
    s.stdDev = Math.sqrt(sq / n);
  }
}
