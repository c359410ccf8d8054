import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CounterView, GaugeView, HistogramView, SeriesView } from '../../src/index.js';
import { MeterkitError, OVERFLOW_METRIC, Registry, Unit } from '../../src/index.js';
import { waitFor } from '../helpers/tools.js';

function seriesOf(reg: Registry, name: string): Array<{ labels: Record<string, string>; s: SeriesView }> {
  const out: Array<{ labels: Record<string, string>; s: SeriesView }> = [];
  reg.family(name)?.forEachSeries((s, values) => {
    out.push({ labels: Object.fromEntries(s.owner.labelNames.map((n, i) => [n, values[i] as string])), s });
  });
  return out;
}

function throwsCode(fn: () => unknown, code: string, mention: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MeterkitError, `expected MeterkitError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, mention);
    return true;
  });
}

describe('Registry counters', () => {
  it('increments, absolute keeps the maximum', () => {
    const reg = new Registry();
    const c = reg.counter('http_requests_total', { method: 'GET', status: '200' });
    c.increment();
    c.increment(3);
    assert.equal(reg.view(c).value, 4);
    c.absolute(100);
    assert.equal(reg.view(c).value, 100);
    c.absolute(50);
    assert.equal(reg.view(c).value, 100);
  });

  it('resolves the same series for the same labels in any order and form', () => {
    const reg = new Registry();
    const a = reg.counter('x_total', { a: '1', b: '2' });
    const b = reg.counter('x_total', { b: '2', a: '1' });
    const c = reg.counter('x_total', [['b', '2'], ['a', '1']]);
    const d = reg.counter('x_total', [['a', '1'], ['b', '2']]);
    assert.equal(a, b);
    assert.equal(a, c);
    assert.equal(a, d);
    a.increment();
    b.increment();
    assert.equal(seriesOf(reg, 'x_total').length, 1);
    assert.equal(reg.view(a).value, 2);
    assert.notEqual(reg.counter('x_total', { a: '1', b: '3' }), a);
    assert.notEqual(reg.counter('x_total', { a: '1' }), a);
    assert.notEqual(reg.counter('x_total', { a: '1', b: '2', c: '3' }), a);
  });

  it('treats no labels, {} and [] as one series', () => {
    const reg = new Registry();
    const a = reg.counter('y_total');
    assert.equal(reg.counter('y_total', {}), a);
    assert.equal(reg.counter('y_total', []), a);
    reg.counter('y_total', { k: 'v' });
    assert.equal(reg.counter('y_total', {}), a);
  });

  it('keeps values that look special as plain keys', () => {
    const reg = new Registry();
    const names = ['__proto__', 'constructor', 'toString', '200', '01', '1', '', 'ünïcødé "q" \\ \n'];
    const handles = names.map((v) => reg.counter('special_total', { v }));
    assert.equal(new Set(handles).size, names.length);
    handles.forEach((h, i) => h.increment(i + 1));
    const got = new Map(seriesOf(reg, 'special_total').map((e) => [e.labels.v, (e.s as CounterView).value]));
    names.forEach((v, i) => assert.equal(got.get(v), i + 1, v));
    assert.equal(Object.getPrototypeOf({}).polluted, undefined);
  });

  it('drops bad increments and values, counts them, and reports each metric once with the value and the rule', () => {
    const errors: Error[] = [];
    const reg = new Registry({ onError: (e) => errors.push(e) });
    const c = reg.counter('z_total');
    assert.doesNotThrow(() => {
      c.increment(-1);
      c.increment(NaN);
      c.increment(Infinity);
      c.absolute(-5);
      reg.gauge('g').set('5' as unknown as number);
      reg.histogram('h').record(NaN);
      reg.histogram('h').recordMany(1, 1.5);
    });
    assert.equal(reg.view(c).value, 0);
    assert.equal(reg.view(reg.gauge('g')).value, 0);
    assert.equal(reg.view(reg.histogram('h')).count, 0);
    const count = (metric: string, reason: string): number => reg.view(reg.counter('meterkit_invalid_updates_total', { metric, reason })).value;
    assert.equal(count('z_total', 'negative'), 2);
    assert.equal(count('z_total', 'nan'), 1);
    assert.equal(count('z_total', 'infinite'), 1);
    assert.equal(count('g', 'not_a_number'), 1);
    assert.equal(count('h', 'nan'), 1);
    assert.equal(count('h', 'bad_count'), 1);
    assert.deepEqual(errors.map((e) => (e as { code?: string }).code), ['ERR_METERKIT_INVALID_VALUE', 'ERR_METERKIT_INVALID_VALUE', 'ERR_METERKIT_INVALID_VALUE']);
    assert.match(errors[0]?.message ?? '', /-1 for metric "z_total": a counter takes a finite number ≥ 0/);
    assert.match(errors[1]?.message ?? '', /"5" for metric "g": it must be a finite number/);
  });
});

describe('Registry validation', () => {
  it('rejects invalid metric names', () => {
    const reg = new Registry();
    for (const bad of ['1abc', 'a-b', '', 'a b', 'é']) {
      throwsCode(() => reg.counter(bad), 'ERR_METERKIT_INVALID_NAME', /\[a-zA-Z_:\]\[a-zA-Z0-9_:\]\*/);
    }
    assert.doesNotThrow(() => reg.counter('ns:sub_total'));
  });

  it('rejects invalid label names, on the first and on later label sets', () => {
    const reg = new Registry();
    throwsCode(() => reg.counter('a_total', { __reserved: 'x' }), 'ERR_METERKIT_INVALID_LABEL_NAME', /"__reserved".*must not start with "__"/);
    throwsCode(() => reg.counter('a_total', { '1x': 'x' }), 'ERR_METERKIT_INVALID_LABEL_NAME', /"1x"/);
    reg.counter('a_total', { ok: 'x' });
    throwsCode(() => reg.counter('a_total', { 'bad-name': 'x' }), 'ERR_METERKIT_INVALID_LABEL_NAME', /"bad-name".*a_total/);
  });

  it('rejects non-string label values on the fast path too', () => {
    const reg = new Registry();
    reg.counter('b_total', { code: '200' });
    throwsCode(() => reg.counter('b_total', { code: 200 as unknown as string }), 'ERR_METERKIT_INVALID_LABEL_VALUE', /200.*"code".*must be a string/);
    throwsCode(() => reg.counter('b_total', [['code', 5 as unknown as string]]), 'ERR_METERKIT_INVALID_LABEL_VALUE', /5/);
    throwsCode(() => reg.counter('b_total', { code: undefined as unknown as string }), 'ERR_METERKIT_INVALID_LABEL_VALUE', /undefined/);
  });

  it('rejects a label given twice and malformed pairs', () => {
    const reg = new Registry();
    throwsCode(() => reg.counter('c_total', [['a', '1'], ['a', '2']]), 'ERR_METERKIT_DUPLICATE_LABEL', /"a" given twice/);
    throwsCode(() => reg.counter('c_total', [['a']] as unknown as [string, string][]), 'ERR_METERKIT_INVALID_ARGUMENT', /\[name, value\]/);
    throwsCode(() => reg.counter('c_total', 'a=b' as unknown as Record<string, string>), 'ERR_METERKIT_INVALID_ARGUMENT', /plain object/);
  });

  it('rejects one name as two kinds', () => {
    const reg = new Registry();
    reg.counter('dual');
    throwsCode(() => reg.gauge('dual'), 'ERR_METERKIT_KIND_CONFLICT', /"dual" is already registered as a counter.*gauge/);
    throwsCode(() => reg.describeHistogram('dual'), 'ERR_METERKIT_KIND_CONFLICT', /histogram/);
  });

  it('reserves le and quantile on histograms', () => {
    const reg = new Registry();
    throwsCode(() => reg.histogram('lat', { le: '1' }), 'ERR_METERKIT_INVALID_LABEL_NAME', /"le".*reserved/);
    assert.doesNotThrow(() => reg.counter('other_total', { le: '1' }));
  });
});

describe('Registry describe and families', () => {
  it('keeps units and descriptions and validates them', () => {
    const reg = new Registry();
    reg.describeCounter('req_total', Unit.Count, 'Requests served');
    reg.describeGauge('mem_bytes', Unit.Bytes, 'Memory');
    reg.describeHistogram('lat_seconds', Unit.Seconds);
    const f = reg.family('req_total');
    assert.equal(f?.kind, 'counter');
    assert.equal(f?.unit, 'count');
    assert.equal(f?.description, 'Requests served');
    assert.equal(f?.seriesCount, 0);
    assert.equal(reg.family('lat_seconds')?.unit, 'seconds');
    throwsCode(() => reg.describeGauge('m2', 'furlongs' as Unit), 'ERR_METERKIT_INVALID_UNIT', /"furlongs".*seconds/);
    throwsCode(() => reg.describeGauge('m3', undefined, 5 as unknown as string), 'ERR_METERKIT_INVALID_ARGUMENT', /description/);
  });

  it('lists families with their series and label names', () => {
    const reg = new Registry();
    reg.counter('a_total', { x: '1' }).increment(2);
    reg.gauge('b').set(-3.5);
    reg.histogram('c_seconds', { r: '/' }).record(0.3);
    const seen = [...reg.families()].map((f) => `${f.name}:${f.kind}:${f.seriesCount}`);
    assert.deepEqual(seen, ['a_total:counter:1', 'b:gauge:1', 'c_seconds:histogram:1']);
    assert.deepEqual(seriesOf(reg, 'a_total').map((e) => e.labels), [{ x: '1' }]);
    assert.equal((seriesOf(reg, 'b')[0]?.s as GaugeView).value, -3.5);
  });

  it('stamps series creation time from the clock', () => {
    let now = 1_000_000;
    const reg = new Registry({ now: () => now });
    now += 2500;
    const c = reg.counter('t_total');
    assert.equal(reg.createdAt(reg.view(c)), 1_002_500);
  });
});

describe('Registry gauges and histograms', () => {
  it('gauges go up, down and get set', () => {
    const reg = new Registry();
    const g = reg.gauge('queue_depth');
    g.set(5);
    g.increment();
    g.increment(2);
    g.decrement();
    g.decrement(0.5);
    assert.equal(reg.view(g).value, 6.5);
    g.set(NaN);
    g.increment(Infinity);
    assert.equal(reg.view(g).value, 6.5, 'a gauge only holds finite values');
  });

  it('histograms fill default buckets by upper bound', () => {
    const reg = new Registry();
    const h = reg.histogram('request_duration_seconds', { route: '/a' });
    h.record(0.25);
    h.record(0.005); // on a bound: goes into that bucket
    h.record(100);
    h.recordMany(1, 3);
    assert.deepEqual(Array.from(reg.view(h).layout.bounds), [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    assert.equal(reg.view(h).bucketCounts[0], 1);
    assert.equal(reg.view(h).bucketCounts[5], 1);
    assert.equal(reg.view(h).bucketCounts[7], 3);
    assert.equal(reg.view(h).bucketCounts[11], 1);
    assert.equal(reg.view(h).count, 6);
    assert.equal(reg.view(h).sum, 0.25 + 0.005 + 100 + 3);
    assert.equal(reg.view(h).sketch, null);
  });

  it('uses buckets set per metric, by name or pattern, and binary search for many', () => {
    const reg = new Registry({ buckets: [1, 2, 3] });
    reg.setHistogramOptions('sized_bytes', { buckets: [10, 100] });
    reg.setHistogramOptions(/^wide_/, { buckets: Array.from({ length: 40 }, (_, i) => i + 1) });
    assert.deepEqual(Array.from(reg.view(reg.histogram('plain')).layout.bounds), [1, 2, 3]);
    const s = reg.histogram('sized_bytes');
    s.record(50);
    assert.deepEqual(Array.from(reg.view(s).bucketCounts), [0, 1, 0]);
    const w = reg.histogram('wide_x');
    for (const v of [0.5, 1, 1.5, 39.5, 40, 41]) w.record(v);
    const nonZero = Array.from(reg.view(w).bucketCounts).flatMap((c, i) => (c > 0 ? [[i, c]] : []));
    assert.deepEqual(nonZero, [[0, 2], [1, 1], [39, 2], [40, 1]]);
  });

  it('refuses histogram options after first use and bad buckets', () => {
    const reg = new Registry();
    reg.histogram('used_seconds').record(1);
    throwsCode(() => reg.setHistogramOptions('used_seconds', { buckets: [1] }), 'ERR_METERKIT_CONFIG_TOO_LATE', /"used_seconds"/);
    throwsCode(() => reg.setHistogramOptions('x', { buckets: [2, 1] }), 'ERR_METERKIT_INVALID_BUCKETS', /strictly increasing/);
    throwsCode(() => reg.setHistogramOptions('x', { buckets: [1, NaN] }), 'ERR_METERKIT_INVALID_BUCKETS', /NaN/);
    throwsCode(() => reg.setHistogramOptions('x', { quantiles: 2 }), 'ERR_METERKIT_INVALID_ARGUMENT', /relative error/);
    throwsCode(() => new Registry({ buckets: [] }), 'ERR_METERKIT_INVALID_BUCKETS', /at least one/);
  });

  it('applies options to a described but unused histogram', () => {
    const reg = new Registry();
    reg.describeHistogram('later_seconds', Unit.Seconds, 'x');
    reg.setHistogramOptions('later_seconds', { buckets: [0.1], quantiles: true });
    const h = reg.histogram('later_seconds');
    assert.deepEqual(Array.from(reg.view(h).layout.bounds), [0.1]);
    assert.ok(reg.view(h).sketch !== null);
  });

  it('keeps quantile sketches when asked, and only finite observations', () => {
    const reg = new Registry();
    reg.setHistogramOptions('q_seconds', { quantiles: 0.02, buckets: [] });
    const h = reg.histogram('q_seconds');
    for (let i = 1; i <= 1000; i++) h.record(i);
    assert.equal(reg.view(h).bucketCounts.length, 1);
    assert.ok(Math.abs((reg.view(h).sketch?.quantile(0.5) as number) - 500) <= 500 * 0.02 + 1);
    h.record(Infinity);
    assert.equal(reg.view(h).sum, 500500);
  });
});

describe('Registry series management', () => {
  it('removes one series or all series of a name', () => {
    const reg = new Registry();
    reg.counter('r_total', { a: '1' }).increment();
    reg.counter('r_total', { a: '2' }).increment();
    reg.counter('r_total').increment();
    reg.describeCounter('r_total', Unit.Count, 'kept');
    assert.equal(reg.remove('r_total', { a: '1' }), true);
    assert.equal(reg.remove('r_total', { a: '1' }), false);
    assert.equal(reg.remove('r_total', { zz: '1' }), false);
    assert.equal(reg.remove('nope_total'), false);
    assert.deepEqual(seriesOf(reg, 'r_total').map((e) => e.labels), [{}, { a: '2' }]);
    assert.equal(reg.removeAll('r_total'), 2);
    assert.equal(reg.family('r_total')?.seriesCount, 0);
    assert.equal(reg.family('r_total')?.description, 'kept');
    assert.equal(reg.removeAll('nope_total'), 0);
  });

  it('removes a series given in another label order, from every order', () => {
    const reg = new Registry();
    const h = reg.counter('o_total', { a: '1', b: '2' });
    assert.equal(reg.counter('o_total', { b: '2', a: '1' }), h);
    assert.equal(reg.remove('o_total', { b: '2', a: '1' }), true);
    assert.equal(reg.family('o_total')?.seriesCount, 0);
    const fresh = reg.counter('o_total', { b: '2', a: '1' });
    assert.notEqual(fresh, h);
    assert.equal(reg.counter('o_total', { a: '1', b: '2' }), fresh);
  });

  it('revives a removed series when its handle is used again, from zero', () => {
    const reg = new Registry();
    const c = reg.counter('rev_total', { k: 'v' });
    c.increment(10);
    reg.remove('rev_total', { k: 'v' });
    assert.equal(reg.view(c).value, 0);
    c.increment(2);
    assert.equal(reg.family('rev_total')?.seriesCount, 1);
    assert.equal(reg.counter('rev_total', { k: 'v' }), c);
    assert.equal(reg.view(c).value, 2);
    const u = reg.gauge('rev_g');
    u.set(4);
    reg.clear();
    u.set(7);
    assert.equal(reg.gauge('rev_g'), u);
    assert.equal(reg.view(u).value, 7);
  });

  it('folds a stale handle into a series recreated meanwhile', () => {
    const reg = new Registry();
    const stale = reg.counter('fold_total', { k: 'v' });
    reg.remove('fold_total', { k: 'v' });
    const live = reg.counter('fold_total', { k: 'v' });
    live.increment(5);
    stale.increment(2);
    stale.increment(1);
    assert.equal(reg.view(live).value, 8);
    const hs = reg.histogram('fold_seconds');
    reg.removeAll('fold_seconds');
    const hl = reg.histogram('fold_seconds');
    hs.record(1);
    assert.equal(reg.view(hl).count, 1);
    const gs = reg.gauge('fold_g');
    reg.removeAll('fold_g');
    const gl = reg.gauge('fold_g');
    gl.set(1);
    gs.set(9);
    assert.equal(reg.view(gl).value, 9);
  });

  it('sends label sets past the cardinality limit to one overflow series and counts them', () => {
    const reg = new Registry({ cardinalityLimit: 3 });
    for (let i = 0; i < 3; i++) reg.counter('card_total', { id: String(i) }).increment();
    const o1 = reg.counter('card_total', { id: '3' });
    const o2 = reg.counter('card_total', { id: '4' });
    assert.equal(o1, o2);
    o1.increment(5);
    assert.equal(reg.view(reg.counter('card_total', { id: '0' })).value, 1);
    const s = seriesOf(reg, 'card_total');
    assert.equal(s.length, 4);
    assert.deepEqual(s[3]?.labels, { meterkit_overflow: 'true' });
    assert.equal((s[3]?.s as CounterView).value, 5);
    assert.equal(reg.view(reg.counter(OVERFLOW_METRIC, { metric: 'card_total' })).value, 2);
    // removing one makes room again
    reg.remove('card_total', { id: '1' });
    const back = reg.counter('card_total', { id: '9' });
    assert.notEqual(back, o1);
    assert.equal(reg.view(reg.counter(OVERFLOW_METRIC, { metric: 'card_total' })).value, 2);
  });

  it('applies a per-name cardinality limit', () => {
    const reg = new Registry();
    reg.setCardinalityLimit('small_total', 1);
    reg.counter('small_total', { a: '1' });
    reg.counter('small_total', { a: '2' }).increment();
    assert.equal(reg.view(reg.counter(OVERFLOW_METRIC, { metric: 'small_total' })).value, 1);
    assert.throws(() => reg.setCardinalityLimit('small_total', 0), /whole number ≥ 1/);
    assert.throws(() => new Registry({ cardinalityLimit: -1 }), /cardinalityLimit/);
  });

  it('expires idle series on a fake clock, and only idle ones', () => {
    let now = 0;
    const reg = new Registry({ idleTimeout: 1000, now: () => now });
    const busy = reg.counter('idle_total', { s: 'busy' });
    reg.counter('idle_total', { s: 'quiet' }).increment();
    const h = reg.histogram('idle_seconds');
    h.record(1);
    assert.equal(reg.sweepIdle(), 0); // first sweep: everything was touched
    for (let t = 1; t <= 4; t++) {
      now = t * 400;
      busy.increment();
      reg.sweepIdle();
    }
    assert.deepEqual(seriesOf(reg, 'idle_total').map((e) => e.labels.s), ['busy']);
    assert.equal(reg.family('idle_seconds')?.seriesCount, 0);
    // a held handle revives its series
    h.record(2);
    assert.equal(reg.family('idle_seconds')?.seriesCount, 1);
    assert.equal(reg.view(h).count, 1);
    void reg.close();
  });

  it('limits idle expiry to the kinds asked for', () => {
    let now = 0;
    const reg = new Registry({ idleTimeout: 10, idleKinds: ['gauge'], now: () => now });
    reg.counter('k_total').increment();
    reg.gauge('k_g').set(1);
    reg.sweepIdle();
    now = 100;
    assert.equal(reg.sweepIdle(), 1);
    assert.equal(reg.family('k_total')?.seriesCount, 1);
    assert.equal(new Registry().sweepIdle(), 0);
  });

  it('runs the idle sweep on its own timer', async () => {
    const reg = new Registry({ idleTimeout: 5, idleSweepInterval: 2 });
    reg.gauge('timer_g').set(1);
    // the sweep is observable only through its effect: poll for it
    await waitFor(async () => ((reg.family('timer_g')?.seriesCount ?? 0) === 0 ? true : undefined), 5000, 'the idle sweep timer');
    assert.equal(reg.family('timer_g')?.seriesCount, 0);
    await reg.close();
  });
});

describe('Registry histogram series view', () => {
  it('exposes counts per bucket for exporters', () => {
    const reg = new Registry();
    reg.setHistogramOptions('v_seconds', { buckets: [1, 2] });
    reg.histogram('v_seconds', { a: 'x' }).record(1.5);
    const [e] = seriesOf(reg, 'v_seconds');
    const h = e?.s as HistogramView;
    assert.deepEqual(Array.from(h.bucketCounts), [0, 1, 0]);
    assert.deepEqual(e?.labels, { a: 'x' });
  });
});
