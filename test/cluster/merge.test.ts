import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from '../../src/core/registry.js';
import { QuantileSketch } from '../../src/core/sketch.js';
import type { AggregationMode, ClusterSnapshot } from '../../src/cluster/index.js';
import { mergeSnapshots, readSnapshot, takeSnapshot } from '../../src/cluster/index.js';
import { ModeRules } from '../../src/cluster/protocol.js';
import { render } from '../../src/prometheus/render.js';

/** A snapshot of `r` as it arrives from another process: through JSON and the check. */
function wire(r: Registry, modes: Record<string, AggregationMode> = {}): ClusterSnapshot {
  return readSnapshot(JSON.parse(JSON.stringify(takeSnapshot(r, (n) => modes[n] ?? 'sum'))));
}

function rendered(snaps: ClusterSnapshot[], override: (n: string) => AggregationMode | undefined = () => undefined): string {
  const { families } = mergeSnapshots(snaps, override);
  return render({ families: () => families, createdAt: (s) => s.created });
}

function workers(values: number[]): Registry[] {
  return values.map((v) => {
    const r = new Registry();
    r.gauge('g', { k: 'a' }).set(v);
    r.counter('c_total').increment(v);
    return r;
  });
}

describe('mergeSnapshots', () => {
  it('combines gauges by each of prom-client\'s modes (sum is the default, as in prom-client)', () => {
    const snaps = workers([1, 4, 7]).map((r) => wire(r));
    const expect: Record<string, string> = { sum: '12', first: '1', min: '1', max: '7', average: '4' };
    for (const [mode, v] of Object.entries(expect)) {
      assert.match(rendered(snaps, (n) => (n === 'g' ? (mode as AggregationMode) : undefined)), new RegExp(`^g\\{k="a"\\} ${v}$`, 'm'), mode);
    }
    assert.match(rendered(snaps), /^g\{k="a"\} 12$/m);
    assert.doesNotMatch(rendered(snaps, (n) => (n === 'g' ? 'omit' : undefined)), /^g/m);
    assert.match(rendered(snaps), /^c_total 12$/m);
  });

  it('takes the mode a worker chose, and the primary\'s override over it', () => {
    const snaps = workers([2, 5]).map((r) => wire(r, { g: 'min' }));
    assert.match(rendered(snaps), /^g\{k="a"\} 2$/m);
    assert.match(rendered(snaps, (n) => (n === 'g' ? 'max' : undefined)), /^g\{k="a"\} 5$/m);
  });

  it('sums histogram buckets and merges sketches: the merged quantile is the one of all observations', () => {
    const all = new QuantileSketch();
    const snaps = [0, 1, 2].map((w) => {
      const r = new Registry();
      r.setHistogramOptions('h', { buckets: [1, 10], quantiles: true });
      const h = r.histogram('h');
      for (let i = 0; i < 1000; i++) {
        const v = (i % 100) * (w + 1) * 0.1 + 0.01;
        h.record(v);
        all.add(v);
      }
      return wire(r);
    });
    const { families } = mergeSnapshots(snaps, () => undefined);
    const f = families[0];
    assert.ok(f !== undefined && f.kind === 'histogram');
    f.forEachSeries((s) => {
      assert.ok(s.kind === 'histogram');
      assert.equal(s.count, 3000);
      assert.equal(s.bucketCounts[0], (10 + 5 + 4) * 10);
      for (const q of [0.5, 0.9, 0.99]) assert.equal(s.sketch?.quantile(q), all.quantile(q));
    });
  });

  it('refuses (and reports) families whose kind or buckets cannot merge; the rest are served', () => {
    const a = new Registry();
    const b = new Registry();
    a.setHistogramOptions('h', { buckets: [1] });
    b.setHistogramOptions('h', { buckets: [2] });
    a.histogram('h').record(1);
    b.histogram('h').record(1);
    a.counter('x_total').increment();
    b.gauge('x_total').set(1);
    a.setHistogramOptions('m', { buckets: [1] });
    b.setHistogramOptions('m', { buckets: [1] });
    a.histogram('m').record(1);
    b.histogram('m').record(1);
    a.counter('ok_total').increment();
    const { families, conflicts } = mergeSnapshots([wire(a), wire(b)], (n) => (n === 'm' ? 'max' : undefined));
    // a histogram by max merges sample by sample (#13 item 3), as prom-client's aggregators do
    assert.deepEqual(families.map((f) => f.name), ['m', 'ok_total']);
    families[0]?.forEachSeries((s) => assert.ok(s.kind === 'histogram' && s.count === 1 && s.bucketCounts[0] === 1));
    assert.deepEqual(conflicts.map((c) => [c.metric, c.reason]).sort(), [['h', 'layout'], ['x_total', 'kind']]);
  });

  it('keeps the latest explicit gauge timestamp and the earliest creation time', () => {
    const snaps = [1000, 3000].map((t) => {
      const r = new Registry();
      r.gauge('g').setAt(1, t);
      return wire(r);
    });
    assert.match(rendered(snaps), /^g 2 3000$/m);
  });
});

describe('readSnapshot', () => {
  const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(takeSnapshot(workers([1])[0] as Registry, () => 'sum'))) as Record<string, unknown>;
  const bad: Array<[string, (s: { families: Array<Record<string, unknown>> }) => void]> = [
    ['a negative counter', (s) => ((s.families[1]?.series as Array<Record<string, unknown>>)[0] as Record<string, unknown>).value = -1],
    ['a bad metric name', (s) => ((s.families[0] as Record<string, unknown>).name = 'bad name')],
    ['an unknown mode', (s) => ((s.families[0] as Record<string, unknown>).aggregation = 'median')],
    ['a bad label name', (s) => ((s.families[0]?.series as Array<Record<string, unknown>>)[0] as Record<string, unknown>).names = ['__x']],
    ['values not matching names', (s) => ((s.families[0]?.series as Array<Record<string, unknown>>)[0] as Record<string, unknown>).values = []],
    ['a family twice', (s) => s.families.push(s.families[0] as Record<string, unknown>)],
  ];
  for (const [what, spoil] of bad) {
    it(`refuses ${what} with ERR_METERKIT_CLUSTER_SNAPSHOT`, () => {
      const s = good() as { families: Array<Record<string, unknown>> };
      spoil(s);
      assert.throws(() => readSnapshot(s), { code: 'ERR_METERKIT_CLUSTER_SNAPSHOT' });
    });
  }

  it('refuses a histogram whose buckets or sketch do not fit its layout', () => {
    const r = new Registry();
    r.setHistogramOptions('h', { buckets: [1, 2], quantiles: true });
    r.histogram('h').record(1);
    const s = JSON.parse(JSON.stringify(takeSnapshot(r, () => 'sum'))) as { families: Array<{ series: Array<Record<string, unknown>> }> };
    const series = s.families[0]?.series[0] as Record<string, unknown>;
    series.buckets = [1, 0];
    assert.throws(() => readSnapshot(s), { code: 'ERR_METERKIT_CLUSTER_SNAPSHOT' });
    series.buckets = [1, 0, 0];
    (series.sketch as Record<string, unknown>).count = 5;
    assert.throws(() => readSnapshot(s), /count/);
    assert.throws(() => readSnapshot(null), { code: 'ERR_METERKIT_CLUSTER_SNAPSHOT' });
  });
});

describe('ModeRules', () => {
  it('an exact name wins over a pattern; a later pattern over an earlier; bad modes are refused', () => {
    const m = new ModeRules([[/^g/, 'max'], ['g_one', 'min'], ['g_*', 'first']]);
    assert.equal(m.get('g_one'), 'min');
    assert.equal(m.get('g_two'), 'first');
    assert.equal(m.get('gx'), 'max');
    assert.equal(m.get('other'), undefined);
    assert.throws(() => m.set('x', 'median' as AggregationMode), { code: 'ERR_METERKIT_INVALID_ARGUMENT' });
  });
});

describe('snapshots carry the #13 core contract', () => {
  it('bakes the worker\'s default labels in (a series\' own label wins), keeps info families and reported quantiles', () => {
    const snaps = [0, 1].map((w) => {
      const r = new Registry();
      r.setDefaultLabels({ service: 'api', zone: 'z1' });
      r.counter('c_total', { zone: 'own' }).increment(w + 1);
      r.counter('d_total').increment(1);
      r.info('build_info', { version: '1.2.3' }, 'Build');
      r.setHistogramOptions('s', { buckets: [], quantiles: true, reportedQuantiles: [0.25, 0.75] });
      r.histogram('s').record(w + 1);
      return wire(r);
    });
    const { families } = mergeSnapshots(snaps, () => undefined);
    const text = render({ families: () => families, createdAt: (s) => s.created });
    assert.match(text, /^c_total\{zone="own",service="api"\} 3$/m);
    assert.match(text, /^d_total\{service="api",zone="z1"\} 2$/m);
    assert.match(text, /^s\{service="api",zone="z1",quantile="0.25"\} /m);
    assert.doesNotMatch(text, /quantile="0.5"/);
    assert.equal(families.find((f) => f.name === 'build_info')?.info, true);
    const om = render({ families: () => families, createdAt: (s) => s.created }, { format: 'openmetrics' });
    assert.match(om, /^# TYPE build info$/m);
  });

  it('merges the windows of sliding-window summaries, and their lifetime sketches apart', () => {
    let now = 1_000_000;
    const regs = [0, 1].map(() => new Registry({ now: () => now }));
    for (const r of regs) r.setHistogramOptions('w', { buckets: [], quantiles: true, maxAge: 1000, ageBuckets: 2 });
    regs.forEach((r, i) => r.histogram('w').record(100 + i)); // old: leaves the window
    now += 5000;
    regs.forEach((r, i) => r.histogram('w').record(1 + i));
    const { families } = mergeSnapshots(regs.map((r) => wire(r)), () => undefined);
    families[0]?.forEachSeries((s) => {
      assert.ok(s.kind === 'histogram');
      assert.equal(s.count, 4);
      assert.ok((s.sketch?.quantile(1) ?? NaN) < 3, 'the window holds the recent observations only');
      assert.ok((s.lifetimeSketch?.quantile(1) ?? NaN) > 100, 'the lifetime sketch holds them all');
    });
  });
});
