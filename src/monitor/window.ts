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
import type { Metric } from './types.js';

const INITIAL_WINDOWS = 64;

/** A typed array twice as long (or `n` long) holding `old`'s values first. */
export function grown<T extends Float64Array | Uint8Array | Int32Array>(old: T, n = old.length * 2): T {
  const a = new (old.constructor as new (n: number) => T)(n);
  a.set(old);
  return a;
}

/**
 * The columns every window of one monitor lives in. Per cell (a window owns `cap` consecutive
 * ones, from `slot × cap`): its ring of metrics. Per slot: what a check reads, so a check walks
 * small contiguous arrays and touches a Window object only to raise an alert.
 */
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

  /** Per slot: when the window goes down if nothing arrives (see detector.ts `deadlineOf`). */
  deadline: Float64Array;
  /** Per slot: 1 when the newest metric is valid. */
  newestValid: Uint8Array;
  /** Per slot: 1 while a `down` was raised and no `up` since (the outage that `up` ends). */
  outage: Uint8Array;
  /** Per slot: when the last `down` of the outage was raised (for re-alerts). */
  lastAlert: Float64Array;
  /** Per slot: when the first `down` of the outage was raised (an `up` says how long it lasted). */
  downSince: Float64Array;
  /** Per slot: the index of the window's peer (see peers.ts). */
  peer: Int32Array;
  /** Per slot: the window, or undefined when the slot is free. */
  readonly windows: Array<Window | undefined> = [];
  private readonly free: number[] = [];
  /** Slots ever used: a walk over the windows goes from 0 to this. */
  slots = 0;

  constructor(readonly cap: number) {
    const cells = INITIAL_WINDOWS * cap;
    this.expire = new Float64Array(cells);
    this.received = new Float64Array(cells);
    this.num = new Float64Array(cells);
    this.valid = new Uint8Array(cells);
    this.str = new Array<string | undefined>(cells).fill(undefined);
    this.deadline = new Float64Array(INITIAL_WINDOWS);
    this.newestValid = new Uint8Array(INITIAL_WINDOWS);
    this.outage = new Uint8Array(INITIAL_WINDOWS);
    this.lastAlert = new Float64Array(INITIAL_WINDOWS);
    this.downSince = new Float64Array(INITIAL_WINDOWS);
    this.peer = new Int32Array(INITIAL_WINDOWS);
  }

  /** Takes a slot for `w` (growing the columns when all are taken) and returns it. */
  alloc(w: Window): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.slots === this.deadline.length) this.grow();
      slot = this.slots++;
    }
    this.windows[slot] = w;
    return slot;
  }

  /** Gives a forgotten window's slot back (its strings are let go). */
  release(slot: number): void {
    const base = slot * this.cap;
    this.str.fill(undefined, base, base + this.cap);
    this.outage[slot] = 0;
    this.windows[slot] = undefined;
    this.free.push(slot);
  }

  /** Doubles every column (amortised: a window is made far more rarely than a metric is logged). */
  private grow(): void {
    this.expire = grown(this.expire);
    this.received = grown(this.received);
    this.num = grown(this.num);
    this.valid = grown(this.valid);
    const from = this.str.length;
    this.str.length = from * 2;
    this.str.fill(undefined, from);
    this.deadline = grown(this.deadline);
    this.newestValid = grown(this.newestValid);
    this.outage = grown(this.outage);
    this.lastAlert = grown(this.lastAlert);
    this.downSince = grown(this.downSince);
    this.peer = grown(this.peer);
  }
}

/** One (metric name, peer): its ring of metrics in the columns, and what the monitor judged of it. */
export class Window {
  /** Metrics held, up to the capacity. */
  size = 0;
  /** Offset in the ring of the next metric to write. */
  private next = 0;
  /** Intervals between consecutive arrivals held (metrics held − 1); refreshed on each arrival with the phi detector. */
  intervals = 0;
  /** Mean interval, ms. */
  mean = 0;
  /** Population standard deviation of the intervals, ms. */
  stdDev = 0;
  /** Its index in the per-slot columns. */
  readonly slot: number;
  /** The first cell of its ring. */
  private readonly base: number;

  /** The monitor's own series of this window (resolved once; undefined without a recorder). */
  ageGauge: Gauge | undefined;
  phiGauge: Gauge | undefined;
  logged: Counter | undefined;

  constructor(
    readonly name: string,
    readonly peer: string,
    /** Its peer's index (see peers.ts). */
    readonly peerIndex: number,
    private readonly cols: Columns,
  ) {
    this.slot = cols.alloc(this);
    this.base = this.slot * cols.cap;
    cols.peer[this.slot] = peerIndex;
  }

  /** When it goes down if nothing arrives. */
  deadline(): number {
    return this.cols.deadline[this.slot] as number;
  }

  /** Sets {@link deadline} (when a metric arrives). */
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
    c.newestValid[this.slot] = valid ? 1 : 0;
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
    return this.cols.newestValid[this.slot] === 1;
  }

  /** The value stored in `cell`. */
  value(cell: number): number | string {
    return this.cols.str[cell] ?? (this.cols.num[cell] as number);
  }

  /** The metric in `cell`, as a new object, its times moved by `skew` onto the wall clock (see clock.ts). */
  metric(cell: number, skew: number): Metric {
    const c = this.cols;
    return { name: this.name, peer: this.peer, value: this.value(cell), valid: c.valid[cell] === 1, expire: (c.expire[cell] as number) + skew, receivedAt: (c.received[cell] as number) + skew };
  }

  /** A copy of the window, newest first, on the wall clock (`skew`). */
  copy(skew: number): Metric[] {
    const out = new Array<Metric>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.metric(this.cell(i), skew);
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

  /** Lets the window's slot go (its peer was forgotten). */
  release(): void {
    this.cols.release(this.slot);
  }
}
