/**
 * A sliding-window quantile sketch: quantiles over the last `maxAge` ms, as prom-client's
 * `TimeWindowQuantiles` (`maxAgeSeconds`, `ageBuckets`) computes them, with mergeable sketches.
 *
 * Rotation (the same instants as prom-client's): the window is a ring of `ageBuckets` slots of
 * `maxAge / ageBuckets` ms each. The clock reading when the ring starts is the first rotation
 * time `t0`; the ring rotates once for every whole step past `t0` that the clock has gone
 * strictly beyond (prom-client's `while (elapsed > step)`), on a record and on a read. A
 * rotation makes the oldest slot the current one and empties it, so a read sees the current
 * partial step and the `ageBuckets − 1` steps before it: the data prom-client's current
 * bucket holds.
 *
 * prom-client pushes each observation into every bucket; here a record goes into the current
 * slot only (one sketch add plus one clock compare) and a read merges the slots, cached until
 * the next record or rotation. The slot a rotation empties is first folded into the
 * `retired` sketch, so the lifetime sketch (retired + slots) costs the hot path nothing either.
 */
import type { SketchView } from './series.js';
import type { SketchData } from './sketch.js';
import { QuantileSketch } from './sketch.js';

/** A merge of some sketches, rebuilt only when its source changed since the last read. */
class MergedView implements SketchView {
  private readonly merged: QuantileSketch;
  private builtAt = -1;

  constructor(
    private readonly owner: WindowedSketch,
    accuracy: number,
    private readonly withRetired: boolean,
  ) {
    this.merged = new QuantileSketch(accuracy);
  }

  /** The merged sketch, up to date with the owner's clock. */
  current(): QuantileSketch {
    this.owner.rotateNow();
    if (this.builtAt !== this.owner.version) {
      this.merged.clear();
      this.owner.mergeInto(this.merged, this.withRetired);
      this.builtAt = this.owner.version;
    }
    return this.merged;
  }

  quantile(q: number): number {
    return this.current().quantile(q);
  }

  toData(): SketchData {
    return this.current().toData();
  }
}

/** A quantile sketch over a sliding time window, with its lifetime sketch beside it. */
export class WindowedSketch {
  /** Bumped on every record and rotation: the merged views rebuild when it moved. */
  version = 0;
  private readonly slots: QuantileSketch[];
  private readonly retired: QuantileSketch;
  private readonly step: number;
  private cur = 0;
  /** Clock reading of the last rotation (or of the start). */
  private last: number;
  /** Rotate when the clock is strictly past this (`last + step`): the one compare per record. */
  private due: number;
  /** The window: the merge of the slots still inside `maxAge`. */
  readonly window: SketchView;
  /** Every observation since the start (or the last clear). */
  readonly lifetime: SketchView;

  constructor(
    accuracy: number,
    maxAge: number,
    ageBuckets: number,
    private readonly clock: () => number,
  ) {
    this.slots = Array.from({ length: ageBuckets }, () => new QuantileSketch(accuracy));
    this.retired = new QuantileSketch(accuracy);
    this.step = maxAge / ageBuckets;
    this.last = clock();
    this.due = this.last + this.step;
    this.window = new MergedView(this, accuracy, false);
    this.lifetime = new MergedView(this, accuracy, true);
  }

  /** Adds `n` observations of `value` to the current slot. */
  add(value: number, n: number): void {
    const now = this.clock();
    if (now > this.due) this.rotate(now);
    (this.slots[this.cur] as QuantileSketch).add(value, n);
    this.version++;
  }

  /** Rotates up to the clock now (reads do this before they look). */
  rotateNow(): void {
    const now = this.clock();
    if (now > this.due) this.rotate(now);
  }

  private rotate(now: number): void {
    // steps the clock has gone strictly beyond: prom-client's `while (elapsed > step)`
    const steps = Math.max(1, Math.ceil((now - this.last) / this.step) - 1);
    const n = this.slots.length;
    for (let k = 0; k < Math.min(steps, n); k++) {
      this.cur = (this.cur + 1) % n;
      const slot = this.slots[this.cur] as QuantileSketch;
      if (slot.count > 0) {
        this.retired.merge(slot);
        slot.clear();
      }
    }
    this.last += steps * this.step;
    this.due = this.last + this.step;
    this.version++;
  }

  /** Merges the window's slots (and the retired data, for the lifetime) into `into`. */
  mergeInto(into: QuantileSketch, withRetired: boolean): void {
    if (withRetired) into.merge(this.retired);
    for (const s of this.slots) into.merge(s);
  }

  /** Adds another window's data: its window into the current slot, its retired data to ours. */
  absorb(other: WindowedSketch): void {
    other.rotateNow();
    this.rotateNow();
    other.mergeInto(this.slots[this.cur] as QuantileSketch, false);
    this.retired.merge(other.retired);
    this.version++;
  }

  /** Forgets every observation; the ring starts again at the clock now. */
  clear(): void {
    for (const s of this.slots) s.clear();
    this.retired.clear();
    this.cur = 0;
    this.last = this.clock();
    this.due = this.last + this.step;
    this.version++;
  }
}
