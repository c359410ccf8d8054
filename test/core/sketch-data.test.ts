import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QuantileSketch } from '../../src/core/sketch.js';
import type { SketchData } from '../../src/core/sketch.js';
import { MeterkitError } from '../../src/core/errors.js';

describe('QuantileSketch data', () => {
  it('round-trips through JSON to a sketch that answers the same quantiles and merges', () => {
    const a = new QuantileSketch();
    for (let i = -50; i <= 1000; i++) a.add(i * 1.7);
    const copy = QuantileSketch.fromData(JSON.parse(JSON.stringify(a.toData())) as SketchData);
    for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.99, 1]) assert.equal(copy.quantile(q), a.quantile(q), `q=${q}`);
    assert.equal(copy.count, a.count);
    const b = new QuantileSketch();
    for (let i = 0; i < 1000; i++) b.add(5000 + i);
    copy.merge(QuantileSketch.fromData(b.toData()));
    assert.equal(copy.count, a.count + b.count);
    assert.equal(copy.max, 5999);
  });

  it('an empty sketch has null min/max and comes back empty', () => {
    const data = new QuantileSketch(0.02).toData();
    assert.equal(data.min, null);
    const back = QuantileSketch.fromData(JSON.parse(JSON.stringify(data)) as SketchData);
    assert.equal(back.count, 0);
    assert.equal(back.relativeAccuracy, 0.02);
    assert.ok(Number.isNaN(back.quantile(0.5)));
  });

  it('refuses data that would corrupt quantiles, naming the field', () => {
    const good = (() => { const s = new QuantileSketch(); s.add(3); s.add(0); return s.toData(); })();
    const cases: Array<[Partial<SketchData>, RegExp]> = [
      [{ count: 5 }, /count 5/],
      [{ positive: [1.5, 1] }, /positive index 1\.5/],
      [{ positive: [1, -1] }, /positive count -1/],
      [{ positive: [1] }, /positive/],
      [{ zeros: -1 }, /zeros -1/],
      [{ min: 9, max: 1 }, /min\/max/],
      [{ relativeAccuracy: 2 }, /relative accuracy 2/],
    ];
    for (const [patch, re] of cases) {
      assert.throws(() => QuantileSketch.fromData({ ...good, ...patch }), (e: unknown) => e instanceof MeterkitError && re.test(e.message), JSON.stringify(patch));
    }
  });
});
