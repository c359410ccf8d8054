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
 * slot only (one sketch add plus one clock read and compare) and a read merges the slots,
 * cached until the next record or rotation. The clock read is most of a windowed record's
 * extra cost: `Date.now()` measured 130–220 ns on the 2-core CI VMs (about 25 ns on common
 * hardware), as in prom-client, which reads it on every push too; an un-windowed histogram
 * reads no clock. The slot a rotation empties is first folded into the
 * `retired` sketch, so the lifetime sketch (retired + slots) costs the hot path nothing either.
 *
 * Memory: every sketch here (slots, retired, the two merges) is made on first use, not up
 * front. A series with `ageBuckets` 5 used to hold eight empty sketches (≈5.8 KB, ≈650 KB at
 * `ageBuckets` 1000); one that is recorded once and never read now holds one.
 */
import type { SketchView } from './series.js';
import type { SketchData } from './sketch.js';
import { QuantileSketch } from './sketch.js';

/** A merge of some sketches, rebuilt only when its source changed since the last read. */
class MergedView implements SketchView {
  /** Made at the first read. */
  private merged: QuantileSketch | null = null;
  private builtAt = -1;

  constructor(
    private readonly owner: WindowedSketch,
    private readonly accuracy: number,
    private readonly withRetired: boolean,
  ) {}

  /** The merged sketch, up to date with the owner's clock. */
  current(): QuantileSketch {
    this.owner.rotateNow();
    if (this.merged === null || this.builtAt !== this.owner.version) {
      this.merged ??= new QuantileSketch(this.accuracy);
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
  /** The ring; a slot's sketch is made at its first record (null until then). */
  private readonly slots: Array<QuantileSketch | null>;
  /** Data rotated out of the window, kept for the lifetime sketch (made at the first rotation that retires any). */
  private retired: QuantileSketch | null = null;
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
    private readonly accuracy: number,
    maxAge: number,
    ageBuckets: number,
    private readonly clock: () => number,
  ) {
    this.slots = new Array<QuantileSketch | null>(ageBuckets).fill(null);
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
    this.slot().add(value, n);
    this.version++;
  }

  /** The current slot's sketch, made now if it has none. */
  private slot(): QuantileSketch {
    return (this.slots[this.cur] ??= new QuantileSketch(this.accuracy));
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
      const slot = this.slots[this.cur];
      if (slot !== null && slot !== undefined && slot.count > 0) {
        (this.retired ??= new QuantileSketch(this.accuracy)).merge(slot);
        slot.clear();
      }
    }
    this.last += steps * this.step;
    this.due = this.last + this.step;
    this.version++;
  }

  /** Merges the window's slots (and the retired data, for the lifetime) into `into`. */
  mergeInto(into: QuantileSketch, withRetired: boolean): void {
    if (withRetired && this.retired !== null) into.merge(this.retired);
    for (const s of this.slots) if (s !== null) into.merge(s);
  }

  /** Adds another window's data: its window into the current slot, its retired data to ours. */
  absorb(other: WindowedSketch): void {
    other.rotateNow();
    this.rotateNow();
    // sketches are made only for data that is there
    for (const s of other.slots) if (s !== null && s.count > 0) this.slot().merge(s);
    if (other.retired !== null && other.retired.count > 0) (this.retired ??= new QuantileSketch(this.accuracy)).merge(other.retired);
    this.version++;
  }

  /** Forgets every observation; the ring starts again at the clock now. */
  clear(): void {
    for (const s of this.slots) s?.clear();
    this.retired?.clear();
    this.cur = 0;
    this.last = this.clock();
    this.due = this.last + this.step;
    this.version++;
  }
}
