/**
 * Windows: the last `cap` metrics of each (metric name, peer), in rings laid out in columns.
 *
 * Why columns and not one object per metric: a stored metric object costs about 120 bytes here
 * (an object of 6 fields and 3 boxed doubles, without pointer compression), is promoted to
 * the old generation before it leaves its window (so every heartbeat pays a write barrier and
 * feeds the major GC), and a check chases a pointer to it and to two boxes per window. In
 * columns a metric is 25 bytes of typed arrays plus a string slot, a heartbeat allocates
 * nothing that outlives it, and a check reads numbers at known offsets. Metric objects are
 * made when someone reads them (`window()`, `latest()`, `lastMetrics()`, `logMetric`'s return),
 * so a caller can never change what is stored. `bench/monitor.ts` measures the result.
 */
import type { Counter, Gauge } from '../core/handles.js';
import type { Metric, PeerState } from './types.js';

const INITIAL_WINDOWS = 64;

/** The columns every window of one monitor lives in; a window owns `cap` consecutive cells. */
export class Columns {
  /** Expiry, ms since the epoch. */
  expire: Float64Array;
  /** Arrival (the monitor's clock), ms since the epoch. */
  received: Float64Array;
  /** The value when it is a number. */
  num: Float64Array;
  /** 1 when valid. */
  valid: Uint8Array;
  /** The value when it is a string (else undefined). */
  str: Array<string | undefined>;
  /** Per window (index `base / cap`): when it goes down if nothing arrives (see detector.ts `deadlineOf`). */
  deadline: Float64Array;
  private readonly free: number[] = [];
  private used = 0;

  constructor(readonly cap: number) {
    const cells = INITIAL_WINDOWS * cap;
    this.expire = new Float64Array(cells);
    this.received = new Float64Array(cells);
    this.num = new Float64Array(cells);
    this.valid = new Uint8Array(cells);
    this.str = new Array<string | undefined>(cells).fill(undefined);
    this.deadline = new Float64Array(INITIAL_WINDOWS);
  }

  /** Windows the columns can hold before they grow. */
  get capacity(): number {
    return this.valid.length / this.cap;
  }

  /** Takes a window's cells and returns the first one's index. */
  alloc(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.capacity) this.grow();
    return this.used++ * this.cap;
  }

  /** Gives a forgotten window's cells back (its strings are let go). */
  release(base: number): void {
    this.str.fill(undefined, base, base + this.cap);
    this.free.push(base);
  }

  /** Doubles every column (amortised: a window is made far more rarely than a metric is logged). */
  private grow(): void {
    const cells = this.valid.length * 2;
    const bigger = <T extends Float64Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const a = make(cells);
      a.set(old);
      return a;
    };
    this.expire = bigger(this.expire, (n) => new Float64Array(n));
    this.received = bigger(this.received, (n) => new Float64Array(n));
    this.num = bigger(this.num, (n) => new Float64Array(n));
    this.valid = bigger(this.valid, (n) => new Uint8Array(n));
    const deadline = new Float64Array(cells / this.cap);
    deadline.set(this.deadline);
    this.deadline = deadline;
    const from = this.str.length;
    this.str.length = cells;
    this.str.fill(undefined, from);
  }
}

/** Where a window's peer keeps the time of its last metric (any metric name). */
export interface WindowOwner {
  lastSeen: number;
}

/** One (metric name, peer): its ring of metrics in the columns, and what the monitor judged of it. */
export class Window {
  /** Metrics held, up to the capacity. */
  size = 0;
  /** Offset in the ring of the next metric to write. */
  private next = 0;
  /** What the last judgement found. */
  state: PeerState = 'unknown';
  /** A `down` was raised and no `up` since: the outage that `up` ends. */
  outage = false;
  /** When the last `down` of the outage was raised (for re-alerts). */
  lastAlert = 0;
  /** Intervals between consecutive arrivals held (metrics held − 1); refreshed on each arrival with the phi detector. */
  intervals = 0;
  /** Mean interval, ms. */
  mean = 0;
  /** Population standard deviation of the intervals, ms. */
  stdDev = 0;
  /** The first cell of this window in the columns. */
  readonly base: number;
  /** Its index in the per-window columns. */
  private readonly slot: number;

  /** The monitor's own series of this window (resolved once; undefined without a recorder). */
  ageGauge: Gauge | undefined;
  phiGauge: Gauge | undefined;
  logged: Counter | undefined;

  constructor(
    readonly name: string,
    readonly peer: string,
    readonly owner: WindowOwner,
    private readonly cols: Columns,
  ) {
    this.base = cols.alloc();
    this.slot = this.base / cols.cap;
  }

  /** When it goes down if nothing arrives. */
  deadline(): number {
    return this.cols.deadline[this.slot] as number;
  }

  setDeadline(t: number): void {
    this.cols.deadline[this.slot] = t;
  }

  /** Adds a metric as the newest, overwriting the oldest when the window is full. */
  push(value: number | string, valid: boolean, expire: number, now: number): void {
    const c = this.cols;
    const i = this.base + this.next;
    if (typeof value === 'number') {
      c.num[i] = value;
      if (c.str[i] !== undefined) c.str[i] = undefined;
    } else {
      c.str[i] = value;
    }
    c.valid[i] = valid ? 1 : 0;
    c.expire[i] = expire;
    c.received[i] = now;
    this.next = this.next + 1 === c.cap ? 0 : this.next + 1;
    if (this.size < c.cap) this.size++;
  }

  /** The cell of the i-th newest metric (0 = the newest); i < size. */
  cell(i: number): number {
    const cap = this.cols.cap;
    // next − 1 − i, wrapped: when not full, next === size, so it never wraps below 0
    return this.base + ((this.next - 1 - i + cap) % cap);
  }

  /** The cell of the newest metric (the window holds at least one: it is made by one). */
  newest(): number {
    return this.base + (this.next === 0 ? this.cols.cap - 1 : this.next - 1);
  }

  /** When the newest metric arrived. */
  lastSeen(): number {
    return this.cols.received[this.newest()] as number;
  }

  /** The newest metric's expiry. */
  expire(): number {
    return this.cols.expire[this.newest()] as number;
  }

  /** Whether the newest metric is valid. */
  valid(): boolean {
    return this.cols.valid[this.newest()] === 1;
  }

  /** The value stored in `cell`. */
  value(cell: number): number | string {
    return this.cols.str[cell] ?? (this.cols.num[cell] as number);
  }

  /** The metric in `cell`, as a new object. */
  metric(cell: number): Metric {
    const c = this.cols;
    return { name: this.name, peer: this.peer, value: this.value(cell), valid: c.valid[cell] === 1, expire: c.expire[cell] as number, receivedAt: c.received[cell] as number };
  }

  /** A copy of the window, newest first. */
  copy(): Metric[] {
    const out = new Array<Metric>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.metric(this.cell(i));
    return out;
  }

  /**
   * Recomputes the interval statistics from the arrival times held. The sum of the intervals
   * is the newest arrival minus the oldest (they telescope), so only the squares need the loop;
   * it runs over the window (≤ cap − 1 terms) on each arrival, which is exact where running
   * sums of squares would drift.
   */
  refreshStats(): void {
    const n = this.size - 1;
    this.intervals = n;
    if (n < 1) return;
    const r = this.cols.received;
    const mean = ((r[this.cell(0)] as number) - (r[this.cell(n)] as number)) / n;
    let sq = 0;
    let later = r[this.cell(0)] as number;
    for (let i = 1; i <= n; i++) {
      const t = r[this.cell(i)] as number;
      const d = later - t - mean;
      sq += d * d;
      later = t;
    }
    this.mean = mean;
    this.stdDev = Math.sqrt(sq / n);
  }

  /** Lets the window's cells go (its peer was forgotten). */
  release(): void {
    this.cols.release(this.base);
  }
}
