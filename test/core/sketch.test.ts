import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuantileSketch } from '../../src/index.js';
import { rng } from '../helpers/random.js';

function exact(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

const QS = [0.01, 0.1, 0.5, 0.9, 0.99, 0.999];

describe('QuantileSketch', () => {
  for (const [name, gen] of [
    ['uniform', (r: () => number) => r() * 1000],
    ['exponential', (r: () => number) => -Math.log(1 - r()) * 0.05],
    ['pareto (heavy tail)', (r: () => number) => 1 / Math.pow(1 - r(), 1 / 1.2)],
    ['mixed signs', (r: () => number) => (r() - 0.3) * 200],
  ] as const) {
    it(`stays within its relative error on ${name} data`, () => {
      const r = rng(42);
      const sk = new QuantileSketch(0.01);
      const xs: number[] = [];
      for (let i = 0; i < 50_000; i++) {
        const v = gen(r);
        xs.push(v);
        sk.add(v);
      }
      xs.sort((a, b) => a - b);
      for (const q of QS) {
        const want = exact(xs, q);
        const got = sk.quantile(q);
        assert.ok(Math.abs(got - want) <= 0.01 * Math.abs(want) + 1e-12, `q=${q}: got ${got}, want ${want}`);
      }
      assert.equal(sk.quantile(0), xs[0]);
      assert.equal(sk.quantile(1), xs[xs.length - 1]);
      assert.equal(sk.count, 50_000);
    });
  }

  it('merges exactly: two halves answer like the whole', () => {
    const r = rng(7);
    const whole = new QuantileSketch();
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    for (let i = 0; i < 20_000; i++) {
      const v = r() * 10 + (i % 2) * 100;
      whole.add(v);
      (i % 2 ? a : b).add(v);
    }
    a.merge(b);
    for (const q of QS) assert.equal(a.quantile(q), whole.quantile(q));
    assert.equal(a.count, whole.count);
    assert.throws(() => a.merge(new QuantileSketch(0.05)), /relative accuracy/);
  });

  it('answers NaN when empty, ignores NaN input, handles zeros and counts', () => {
    const sk = new QuantileSketch();
    assert.ok(Number.isNaN(sk.quantile(0.5)));
    sk.add(NaN);
    assert.equal(sk.count, 0);
    sk.add(0, 10);
    sk.add(5, 1);
    assert.equal(sk.quantile(0.5), 0);
    assert.ok(Number.isNaN(sk.quantile(2)));
    sk.clear();
    assert.equal(sk.count, 0);
    assert.ok(Number.isNaN(sk.quantile(0.5)));
  });

  it('stays bounded over a huge range by collapsing the smallest values', () => {
    // 1e-200 … 1e200 spans ~45 000 bins at 1%; the default 2048 bins cover a ratio of ~6e17
    // below the largest value, so the high quantiles stay exact and the low ones collapse.
    const sk = new QuantileSketch(0.01);
    for (let e = -200; e <= 200; e++) sk.add(Math.pow(10, e));
    const bins = (sk as unknown as { pos: { counts: Float64Array } }).pos.counts.length;
    assert.ok(bins <= 2048, `${bins} bins`);
    for (const q of [0.99, 0.999]) {
      const want = Math.pow(10, Math.floor(q * 400) - 200);
      const got = sk.quantile(q);
      assert.ok(Math.abs(got - want) <= 0.01 * want, `q=${q}: ${got} vs ${want}`);
    }
    // collapsed low values read as the lowest bin kept: overestimated, still ordered
    assert.ok(sk.quantile(0.1) <= sk.quantile(0.99));
    assert.ok(sk.quantile(0.1) >= sk.min);
    assert.equal(sk.count, 401);
    assert.equal(sk.max, 1e200);
  });

  it('rejects bad settings', () => {
    assert.throws(() => new QuantileSketch(0), /between 0 and 1/);
    assert.throws(() => new QuantileSketch(1), /between 0 and 1/);
    assert.throws(() => new QuantileSketch(0.01, 4), /maxBins/);
  });
});
