/*
 * Differential tests: the same operations against real prom-client and meterkit/prom-client,
 * outputs compared. Exact text for counters, gauges and histograms (label order, `le` spelling,
 * escaping, default labels, blank lines); summaries sample by sample, quantiles within the
 * estimators' error (both libraries estimate).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import promClient from 'prom-client';
import * as shim from '../../src/prom-client/index.js';
import { needs } from '../helpers/tools.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';

type Lib = typeof shim;
const real = promClient as unknown as Lib;
type Reg = InstanceType<Lib['Registry']>;

/** Runs `scenario` against both libraries with a fresh registry each; returns [prom-client, shim] results. */
async function both<R>(scenario: (lib: Lib, reg: Reg) => R | Promise<R>, contentType?: string): Promise<[R, R]> {
  const a = await scenario(real, new real.Registry(contentType));
  const b = await scenario(shim, new shim.Registry(contentType));
  return [a, b];
}

async function sameText(scenario: (lib: Lib, reg: Reg) => void | Promise<void>, contentType?: string): Promise<string> {
  const [a, b] = await both(async (lib, reg) => {
    await scenario(lib, reg);
    return reg.metrics();
  }, contentType);
  assert.equal(b, a);
  return b;
}

interface Sample { name: string; labels: string; value: number }
function samples(text: string): Sample[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => {
    const m = /^([^{ ]+)(\{.*\})? (\S+)$/.exec(l);
    assert.ok(m, `unparsable line ${l}`);
    return { name: m[1] as string, labels: m[2] ?? '', value: Number(m[3]) };
  });
}

describe('meterkit/prom-client against prom-client', () => {
  it('counters: labels (numbers too), positional children, escaping, remove, reset', async () => {
    await sameText((lib, reg) => {
      const c = new lib.Counter({ name: 'http_requests_total', help: 'Requests "served"\\ by\nroute', labelNames: ['method', 'code'], registers: [reg] });
      c.inc({ method: 'GET', code: 200 });
      c.inc({ method: 'GET', code: '200' }, 2);
      c.inc({ method: 'POST', code: 500 }, 0.5);
      c.labels('PUT', '201').inc();
      c.labels({ method: 'a"b\\c\nd', code: '1' }).inc(3);
      c.inc({ method: 'DELETE' });
      c.remove('PUT', '201');
      const plain = new lib.Counter({ name: 'plain_total', help: 'h', registers: [reg] });
      plain.inc();
      plain.inc(4);
      const zero = new lib.Counter({ name: 'zero', help: 'never used', registers: [reg] });
      void zero;
      const wiped = new lib.Counter({ name: 'wiped_total', help: 'h', labelNames: ['x'], registers: [reg] });
      wiped.inc({ x: '1' });
      wiped.reset();
      plain.reset();
      plain.inc(7);
    });
  });

  it('gauges: set, inc, dec, children, remove, reset, _getValue', async () => {
    await sameText((lib, reg) => {
      const g = new lib.Gauge({ name: 'queue_depth', help: 'depth', labelNames: ['queue'], registers: [reg] });
      g.set({ queue: 'a' }, 5);
      g.inc({ queue: 'a' });
      g.dec({ queue: 'b' }, 2.5);
      g.labels('c').set(-1e21);
      g.labels('d').inc(0.1);
      g.labels('d').inc(0.2);
      g.remove({ queue: 'b' });
      const u = new lib.Gauge({ name: 'temp', help: 't', registers: [reg] });
      u.set(3);
      u.dec();
      assert.equal(u._getValue(), 2);
      const r = new lib.Gauge({ name: 'reset_me', help: 'r', registers: [reg] });
      r.set(9);
      r.reset();
    });
  });

  it('histograms: default, custom, linear and exponential buckets, bucket edges, zero, reset, remove', async () => {
    await sameText((lib, reg) => {
      const d = new lib.Histogram({ name: 'latency_seconds', help: 'l', registers: [reg] });
      for (const v of [0.005, 0.0051, 0.1, 1, 10, 10.5, 0]) d.observe(v);
      const h = new lib.Histogram({ name: 'size_bytes', help: 's', labelNames: ['route', 'method'], buckets: lib.linearBuckets(100, 100, 5), registers: [reg] });
      h.observe({ route: '/a', method: 'GET' }, 100);
      h.observe({ route: '/b', method: 'POST' }, 250);
      h.labels('/c', 'PUT').observe(600);
      h.zero({ route: '/z', method: 'GET' });
      h.observe({ route: '/gone', method: 'GET' }, 1);
      h.remove('/gone', 'GET');
      const e = new lib.Histogram({ name: 'exp', help: 'e', buckets: lib.exponentialBuckets(0.001, 2.5, 6), registers: [reg] });
      for (let i = 0; i < 50; i++) e.observe(i / 1000);
      const w = new lib.Histogram({ name: 'wiped', help: 'w', registers: [reg] });
      w.observe(1);
      w.reset();
    });
  });

  it('summaries: percentiles, sum and count; quantiles within the estimators\' error', async () => {
    const [a, b] = await both(async (lib, reg) => {
      const s = new lib.Summary({ name: 'rpc_seconds', help: 'rpc', labelNames: ['m'], percentiles: [0.1, 0.5, 0.9, 0.99], registers: [reg] });
      for (let i = 1; i <= 2000; i++) s.observe({ m: 'x' }, i);
      s.labels('y').observe(3);
      const d = new lib.Summary({ name: 'defaults', help: 'd', registers: [reg] });
      d.observe(5);
      const r = new lib.Summary({ name: 'zeroed', help: 'z', registers: [reg] });
      r.observe(1);
      r.reset();
      return reg.metrics();
    });
    const sa = samples(a);
    const sb = samples(b);
    assert.deepEqual(sb.map((s) => [s.name, s.labels]), sa.map((s) => [s.name, s.labels]));
    assert.deepEqual(a.split('\n').filter((l) => l.startsWith('#')), b.split('\n').filter((l) => l.startsWith('#')));
    sa.forEach((s, i) => {
      const v = (sb[i] as Sample).value;
      if (s.labels.includes('quantile=')) assert.ok(Math.abs(v - s.value) <= 0.02 * Math.abs(s.value) + 1e-9, `${s.name}${s.labels}: ${v} vs ${s.value}`);
      else assert.equal(v, s.value, `${s.name}${s.labels}`);
    });
  });

  it('default labels: own labels first, defaults after; histograms put le first; a series label wins', async () => {
    await sameText((lib, reg) => {
      reg.setDefaultLabels({ service: 'api', region: 'eu' });
      new lib.Counter({ name: 'c_total', help: 'c', labelNames: ['region', 'x'], registers: [reg] }).inc({ x: '1', region: 'us' });
      new lib.Gauge({ name: 'g', help: 'g', registers: [reg] }).set(1);
      new lib.Histogram({ name: 'h', help: 'h', labelNames: ['x'], buckets: [1], registers: [reg] }).observe({ x: 'y' }, 0.5);
    });
    const [a, b] = await both(async (lib, reg) => {
      reg.setDefaultLabels({ service: 'api' });
      new lib.Summary({ name: 's', help: 's', labelNames: ['x'], percentiles: [0.5], registers: [reg] }).observe({ x: 'y' }, 4);
      new lib.Histogram({ name: 'hj', help: 'h', labelNames: ['x'], buckets: [1, 2], registers: [reg] }).observe({ x: 'y' }, 1.5);
      new lib.Counter({ name: 'cj', help: 'c', labelNames: ['service'], registers: [reg] }).inc({ service: 'own' });
      return [await reg.metrics(), await reg.getMetricsAsJSON()] as const;
    });
    assert.equal(b[0], a[0]);
    assert.deepEqual(b[1], a[1]);
  });

  it('collect callbacks (sync and async) run before each render, with this = the metric', async () => {
    await sameText(async (lib, reg) => {
      let n = 0;
      new lib.Gauge({
        name: 'collected',
        help: 'c',
        registers: [reg],
        collect() {
          (this as unknown as InstanceType<Lib['Gauge']>).set(++n);
        },
      });
      new lib.Counter({
        name: 'async_collected_total',
        help: 'c',
        registers: [reg],
        async collect() {
          await Promise.resolve();
          (this as unknown as InstanceType<Lib['Counter']>).inc(2);
        },
      });
      await reg.metrics();
    });
  });

  it('getMetricsAsJSON has prom-client\'s shape for counters, gauges and histograms', async () => {
    const [a, b] = await both(async (lib, reg) => {
      new lib.Counter({ name: 'c', help: 'c', labelNames: ['a'], registers: [reg], aggregator: 'max' }).inc({ a: 'x' }, 3);
      new lib.Gauge({ name: 'g', help: 'g', labelNames: ['a'], registers: [reg] }).set({ a: 'y' }, 4);
      new lib.Histogram({ name: 'h', help: 'h', buckets: [1, 2], registers: [reg] }).observe(1.5);
      return reg.getMetricsAsJSON();
    });
    assert.deepEqual(b, a);
  });

  it('OpenMetrics: counter families lose _total, samples gain it, # EOF ends', async () => {
    await sameText((lib, reg) => {
      new lib.Counter({ name: 'om_requests_total', help: 'r', labelNames: ['a'], registers: [reg] }).inc({ a: 'b' });
      new lib.Gauge({ name: 'om_g', help: 'g', registers: [reg] }).set(2);
      new lib.Histogram({ name: 'om_h', help: 'h', buckets: [1], registers: [reg] }).observe(3);
    }, shim.Registry.OPENMETRICS_CONTENT_TYPE);
  });

  it('registry operations: single metrics, remove, clear, resetMetrics, merge', async () => {
    const [a, b] = await both(async (lib, reg) => {
      const c = new lib.Counter({ name: 'one_total', help: 'o', registers: [reg] });
      c.inc(5);
      const g = new lib.Gauge({ name: 'two', help: 't', registers: [reg] });
      g.set(2);
      const single = await reg.getSingleMetricAsString('two');
      const found = reg.getSingleMetric('one_total') === c;
      reg.resetMetrics();
      const afterReset = await reg.metrics();
      reg.removeSingleMetric('two');
      const other = new lib.Registry();
      new lib.Gauge({ name: 'three', help: 'x', registers: [other] }).set(3);
      const merged = await lib.Registry.merge([reg, other]).metrics();
      reg.clear();
      return [single, found, afterReset, merged, await reg.metrics(), reg.contentType];
    });
    assert.deepEqual(b, a);
  });

  it('errors: the same calls throw with the same messages', async () => {
    const cases: Array<(lib: Lib, reg: Reg) => unknown> = [
      (lib, reg) => new lib.Counter({ name: 'bad-name', help: 'h', registers: [reg] }),
      (lib, reg) => new lib.Counter({ name: 'x', help: '', registers: [reg] }),
      (lib, reg) => new lib.Counter({ name: 'x', help: 'h', labelNames: ['1a'], registers: [reg] }),
      (lib, reg) => new lib.Counter({ name: 'x', help: 'h', labelNames: ['a'], registers: [reg] }).inc({ b: '1' } as never),
      (lib, reg) => new lib.Counter({ name: 'x', help: 'h', registers: [reg] }).inc(-1),
      (lib, reg) => new lib.Counter({ name: 'x', help: 'h', registers: [reg] }).inc(Infinity),
      (lib, reg) => new lib.Histogram({ name: 'x', help: 'h', labelNames: ['le'], registers: [reg] }),
      (lib, reg) => new lib.Summary({ name: 'x', help: 'h', labelNames: ['quantile'], registers: [reg] }),
      (lib, reg) => new lib.Histogram({ name: 'x', help: 'h', registers: [reg] }).observe(Infinity),
      (lib, reg) => new lib.Gauge({ name: 'x', help: 'h', labelNames: ['a', 'b'], registers: [reg] }).labels('only-one'),
      (lib, reg) => {
        new lib.Gauge({ name: 'x', help: 'h', registers: [reg] });
        return new lib.Gauge({ name: 'x', help: 'h', registers: [reg] });
      },
      (lib) => new lib.Registry('text/html'),
      (lib) => lib.exponentialBuckets(0, 2, 3),
    ];
    for (const [i, c] of cases.entries()) {
      const [a, b] = await both((lib, reg) => {
        try {
          c(lib, reg);
          return 'no error';
        } catch (err) {
          return (err as Error).message;
        }
      });
      assert.notEqual(a, 'no error', `case ${i}: prom-client throws`);
      if (i === cases.length - 1) assert.notEqual(b, 'no error', `case ${i}`);
      else assert.equal(b, a, `case ${i}`);
    }
  });

  it('promtool accepts the shim\'s output', needs('promtool'), async () => {
    const text = await sameText((lib, reg) => {
      reg.setDefaultLabels({ app: 'x' });
      new lib.Counter({ name: 'p_total', help: 'p', labelNames: ['a'], registers: [reg] }).inc({ a: 'q"\\' });
      new lib.Histogram({ name: 'p_seconds', help: 'p', registers: [reg] }).observe(0.3);
      new lib.Gauge({ name: 'p_g', help: 'multi\nline', registers: [reg] }).set(1);
    });
    await promtoolCheck(text);
  });

  it('AggregatorRegistry.aggregate: workers\' getMetricsAsJSON combined by each metric\'s aggregator', async () => {
    await sameText(async (lib, reg) => {
      const workers = [];
      for (let w = 1; w <= 3; w++) {
        const r = new lib.Registry();
        new lib.Counter({ name: 'jobs_total', help: 'j', labelNames: ['k'], registers: [r] }).inc({ k: 'a' }, w);
        new lib.Gauge({ name: 'peak', help: 'p', aggregator: 'max', registers: [r] }).set(w * 10);
        new lib.Gauge({ name: 'mean', help: 'm', aggregator: 'average', registers: [r] }).set(w);
        new lib.Gauge({ name: 'hidden', help: 'h', aggregator: 'omit', registers: [r] }).set(w);
        new lib.Histogram({ name: 'lat', help: 'l', buckets: [1, 2], registers: [r] }).observe(w / 2);
        workers.push(await r.getMetricsAsJSON());
      }
      const merged = lib.AggregatorRegistry.aggregate(workers);
      for (const m of merged.getMetricsAsArray()) reg.registerMetric(m as never);
    });
  });

  it('a custom metric object (name + get()) registers and renders as in prom-client', async () => {
    await sameText((_lib, reg) => {
      reg.setDefaultLabels({ d: '1' });
      reg.registerMetric({
        name: 'custom',
        get: async () => ({ name: 'custom', help: 'c', type: 'gauge', aggregator: 'sum', values: [{ value: 2, labels: { x: 'y' } }, { value: 3, labels: {} }] }),
      } as never);
    });
  });

  it('the python OpenMetrics parser accepts the shim\'s OpenMetrics (exemplars, summaries, a quoted HELP)', needs('openmetrics'), async () => {
    const reg = new shim.Registry(shim.Registry.OPENMETRICS_CONTENT_TYPE);
    reg.setDefaultLabels({ app: 'x' });
    new shim.Counter({ name: 'om_total', help: 'say "hi"', labelNames: ['a'], enableExemplars: true, registers: [reg] }).inc({ labels: { a: 'b' }, value: 2, exemplarLabels: { trace_id: 't1' } });
    new shim.Histogram({ name: 'om_seconds', help: 'h', buckets: [0.5], enableExemplars: true, registers: [reg] }).observe({ value: 0.25, exemplarLabels: { trace_id: 't2' } });
    new shim.Summary({ name: 'om_summary', help: 's', percentiles: [0.5], registers: [reg] }).observe(3);
    new shim.Gauge({ name: 'om_gauge', help: 'g', registers: [reg] }).set(-1.5);
    const fams = await parseOpenMetrics(await reg.metrics());
    const byName = new Map(fams.map((f) => [f.name, f]));
    assert.equal(byName.get('om')?.help, 'say "hi"');
    const counter = byName.get('om')?.samples[0];
    assert.deepEqual([counter?.name, counter?.labels, counter?.value, counter?.exemplar?.labels], ['om_total', { a: 'b', app: 'x' }, 2, { trace_id: 't1' }]);
    assert.equal(byName.get('om_seconds')?.samples.find((x) => x.labels.le === '0.5')?.exemplar?.labels.trace_id, 't2');
    assert.equal(byName.get('om_summary')?.type, 'summary');
    assert.equal(byName.get('om_gauge')?.samples[0]?.value, -1.5);
    // the oracle can fail: the same text without its # EOF is refused
    await assert.rejects(parseOpenMetrics((await reg.metrics()).replace('# EOF\n', '')));
  });
});
