/**
 * A shard's buffer: a bounded FIFO of samples (series, value, timestamp) in parallel arrays, so
 * a queued sample costs 24 bytes and no object. It grows by doubling up to its capacity; when
 * full, a push drops the oldest sample (the caller counts it): after an outage longer than the
 * buffer holds, the newest data is what remains, still in order.
 */
import type { SeriesRef } from './snapshot.js';

/** One batch taken from a ring: parallel arrays of `length` samples. */
export interface Batch {
  refs: SeriesRef[];
  values: Float64Array;
  timestamps: Float64Array;
  length: number;
}

export class SampleRing {
  private refs: Array<SeriesRef | undefined>;
  private values: Float64Array;
  private stamps: Float64Array;
  private head = 0;
  /** Samples held. */
  size = 0;

  constructor(readonly capacity: number) {
    const initial = Math.min(capacity, 1024);
    this.refs = new Array<SeriesRef | undefined>(initial);
    this.values = new Float64Array(initial);
    this.stamps = new Float64Array(initial);
  }

  /** Appends a sample; returns true when the oldest one was dropped to make room. */
  push(ref: SeriesRef, value: number, ts: number): boolean {
    let dropped = false;
    if (this.size === this.refs.length) {
      if (this.size < this.capacity) this.grow();
      else {
        // full: the oldest goes
        this.refs[this.head] = undefined;
        this.head = (this.head + 1) % this.refs.length;
        this.size--;
        dropped = true;
      }
    }
    const i = (this.head + this.size) % this.refs.length;
    this.refs[i] = ref;
    this.values[i] = value;
    this.stamps[i] = ts;
    this.size++;
    return dropped;
  }

  /** Moves up to `max` of the oldest samples into `out` (reused between batches). */
  take(max: number, out: Batch): void {
    const n = Math.min(max, this.size);
    const cap = this.refs.length;
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) % cap;
      out.refs[k] = this.refs[i] as SeriesRef;
      out.values[k] = this.values[i] as number;
      out.timestamps[k] = this.stamps[i] as number;
      this.refs[i] = undefined;
    }
    out.length = n;
    this.head = (this.head + n) % cap;
    this.size -= n;
  }

  /** Empties the ring; returns how many samples it held. */
  clear(): number {
    const n = this.size;
    this.refs.fill(undefined);
    this.head = 0;
    this.size = 0;
    return n;
  }

  private grow(): void {
    const cap = this.refs.length;
    const next = Math.min(this.capacity, cap * 2);
    const refs = new Array<SeriesRef | undefined>(next);
    const values = new Float64Array(next);
    const stamps = new Float64Array(next);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % cap;
      refs[k] = this.refs[i];
      values[k] = this.values[i] as number;
      stamps[k] = this.stamps[i] as number;
    }
    this.refs = refs;
    this.values = values;
    this.stamps = stamps;
    this.head = 0;
  }
}
