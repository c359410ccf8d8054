import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_AGE_BUCKETS, MeterkitError, REPORTED_QUANTILES, Registry } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';
import { renderVars } from '../../src/json/index.js';

/** A registry on a clock the test moves by hand. */
function clocked(): { reg: Registry; advance: (ms: number) => void } {
  let t = 1_000_000;
  const reg = new Registry({ now: () => t });
  return { reg, advance: (ms) => (t += ms) };
}

function throwsCode(fn: () => unknown, code: string, mention: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof MeterkitError && err.code === code && mention.test(err.message));
}

describe('sliding-window quantiles', () => {
  it('forgets observations older than maxAge; sum, count and the lifetime sketch keep them', () => {
    const { reg, advance } = clocked();
    reg.setHistogramOptions('lat_seconds', { buckets: [], maxAge: 1000, ageBuckets: 5 });
    const h = reg.histogram('lat_seconds');
    const v = reg.view(h);
    assert.equal(v.layout.maxAge, 1000);
    assert.equal(v.layout.ageBuckets, 5);
    for (let i = 0; i < 100; i++) h.record(100);
    assert.equal(v.sketch?.quantile(0.5), 100);
    // 0.9 s later the old observations are still inside the window
    advance(900);
    for (let i = 0; i < 100; i++) h.record(1);
    assert.equal(v.sketch?.quantile(0.99), 100);
    // past maxAge (plus the step prom-client's rotation lags by), only the new ones count
    advance(400);
    assert.ok(Math.abs((v.sketch?.quantile(0.99) as number) - 1) <= 0.02);
    assert.equal(v.sketch?.toData().count, 100);
    // _sum and _count stay lifetime, and so does the lifetime sketch
    assert.equal(v.count, 200);
    assert.equal(v.sum, 10_100);
    assert.equal(v.lifetimeSketch?.toData().count, 200);
    assert.ok(Math.abs((v.lifetimeSketch?.quantile(0.99) as number) - 100) <= 1);
    // everything leaves the window after long enough; nothing leaves the lifetime
    advance(10_000);
    assert.ok(Number.isNaN(v.sketch?.quantile(0.5)));
    assert.equal(v.lifetimeSketch?.toData().count, 200);
  });

  it('rotates every maxAge/ageBuckets ms, on the same instants as prom-client', () => {
    const { reg, advance } = clocked();
    reg.setHistogramOptions('rot', { buckets: [], maxAge: 1000, ageBuckets: 2 });
    const h = reg.histogram('rot');
    const count = (): number | undefined => reg.view(h).sketch?.toData().count;
    h.record(1); // step 0
    advance(500); // exactly one step: no rotation yet (prom-client rotates when elapsed > step)
    h.record(1);
    assert.equal(count(), 2);
    advance(1); // 501: first rotation; the window is step 0 + the new current step
    h.record(1);
    assert.equal(count(), 3);
    advance(500); // 1001: second rotation drops step 0 (two records)
    assert.equal(count(), 1);
    advance(500); // 1501: third rotation drops the step holding the third record
    assert.equal(count(), 0);
  });

  it('a read after a long idle spell rotates the whole ring at once', () => {
    const { reg, advance } = clocked();
    reg.setHistogramOptions('idle', { buckets: [], maxAge: 60_000 });
    const h = reg.histogram('idle');
    h.record(5);
    advance(1e9);
    assert.equal(reg.view(h).sketch?.toData().count, 0);
    h.record(7);
    assert.equal(reg.view(h).sketch?.quantile(0.5), 7);
    assert.equal(reg.view(h).lifetimeSketch?.toData().count, 2);
  });

  it('un-windowed: lifetimeSketch is the sketch itself; ageBuckets defaults to 5 with maxAge', () => {
    const { reg } = clocked();
    reg.setHistogramOptions('plain', { quantiles: true, buckets: [] });
    const v = reg.view(reg.histogram('plain'));
    assert.equal(v.lifetimeSketch, v.sketch);
    assert.equal(v.layout.maxAge, 0);
    assert.deepEqual(v.layout.reportedQuantiles, REPORTED_QUANTILES);
    reg.setHistogramOptions('win', { maxAge: 10_000 });
    const w = reg.view(reg.histogram('win'));
    assert.equal(w.layout.ageBuckets, DEFAULT_AGE_BUCKETS);
    assert.ok(w.sketch !== null, 'a maxAge turns the sketch on');
  });

  it('a removed series starts a fresh window; a stale handle folds its window into the live one', () => {
    const { reg, advance } = clocked();
    reg.setHistogramOptions('fold', { buckets: [], maxAge: 1000 });
    const stale = reg.histogram('fold', { a: 'x' });
    stale.record(3);
    reg.remove('fold', { a: 'x' });
    const live = reg.histogram('fold', { a: 'x' });
    live.record(4);
    stale.record(5); // folds into the live series
    advance(100);
    assert.equal(reg.view(live).sketch?.toData().count, 2);
    assert.equal(reg.view(live).count, 2);
  });

  it('reports each family its own quantiles, in the text, OpenMetrics and JSON output', () => {
    const { reg } = clocked();
    reg.setHistogramOptions('custom_seconds', { buckets: [], quantiles: true, reportedQuantiles: [0.01, 0.5, 1] });
    reg.setHistogramOptions('plain_seconds', { buckets: [], quantiles: true });
    reg.histogram('custom_seconds').record(2);
    reg.histogram('plain_seconds').record(2);
    const text = render(reg);
    assert.match(text, /^custom_seconds\{quantile="0.01"\} 2$/m);
    assert.match(text, /^custom_seconds\{quantile="1"\} 2$/m);
    assert.doesNotMatch(text, /custom_seconds\{quantile="0.9"\}/);
    assert.match(text, /^plain_seconds\{quantile="0.999"\} 2$/m);
    assert.match(render(reg, { format: 'openmetrics' }), /^custom_seconds\{quantile="1.0"\} 2$/m);
    // the raw text: JSON.parse would put the integer-like key "1" first
    assert.match(renderVars(reg), /"custom_seconds": \{[^}]*"quantiles": \{"0\.01": 2, "0\.5": 2, "1": 2\}/);
  });

  it('refuses bad quantile lists and window settings with coded errors', () => {
    const reg = new Registry();
    throwsCode(() => reg.setHistogramOptions('a', { reportedQuantiles: [0.5, 0.5] }), 'ERR_METERKIT_INVALID_QUANTILES', /strictly increasing/);
    throwsCode(() => reg.setHistogramOptions('a', { reportedQuantiles: [0.9, 0.5] }), 'ERR_METERKIT_INVALID_QUANTILES', /strictly increasing/);
    throwsCode(() => reg.setHistogramOptions('a', { reportedQuantiles: [1.5] }), 'ERR_METERKIT_INVALID_QUANTILES', /1\.5/);
    throwsCode(() => reg.setHistogramOptions('a', { reportedQuantiles: [Number.NaN] }), 'ERR_METERKIT_INVALID_QUANTILES', /NaN/);
    throwsCode(() => reg.setHistogramOptions('a', { maxAge: -1 }), 'ERR_METERKIT_INVALID_ARGUMENT', /maxAge/);
    throwsCode(() => reg.setHistogramOptions('a', { maxAge: 1000, ageBuckets: 0 }), 'ERR_METERKIT_INVALID_ARGUMENT', /ageBuckets/);
    throwsCode(() => reg.setHistogramOptions('a', { maxAge: 1000, quantiles: false }), 'ERR_METERKIT_INVALID_ARGUMENT', /needs a sketch/);
  });
});
