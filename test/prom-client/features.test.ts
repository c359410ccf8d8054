/*
 * meterkit/prom-client beyond plain counting, each against real prom-client where the two can
 * be compared: timers, sliding-window summaries (on a mocked clock), exemplars, default
 * metrics, children kept across reset, the process-wide register.
 */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import promClient from 'prom-client';
import * as shim from '../../src/prom-client/index.js';
import { sharedState } from '../../src/core/shared-state.js';

type Lib = typeof shim;
const real = promClient as unknown as Lib;

function sampleLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

describe('meterkit/prom-client features', () => {
  it('timers record seconds with start and end labels merged, as prom-client does', async () => {
    for (const lib of [real, shim]) {
      const reg = new lib.Registry();
      const h = new lib.Histogram({ name: 't_seconds', help: 't', labelNames: ['a', 'b'], buckets: [100], registers: [reg] });
      const g = new lib.Gauge({ name: 't_gauge', help: 't', labelNames: ['a'], registers: [reg] });
      const end = h.startTimer({ a: 'x' });
      const endG = g.startTimer();
      const s = end({ b: 'y' });
      const sg = endG({ a: 'z' });
      assert.ok(s >= 0 && s < 100 && sg >= 0);
      const text = await reg.metrics();
      assert.match(text, /t_seconds_count\{a="x",b="y"\} 1/);
      assert.match(text, /t_gauge\{a="z"\} \d/);
      g.setToCurrentTime({ a: 'now' });
      const now = Number(/t_gauge\{a="now"\} (\S+)/.exec(await reg.metrics())?.[1]);
      assert.ok(Math.abs(now - Date.now() / 1000) < 60, `${now}`);
    }
  });

  it('a summary with maxAgeSeconds/ageBuckets forgets old observations; sum and count do not', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
    try {
      const out = [];
      for (const lib of [real, shim]) {
        const reg = new lib.Registry();
        const s = new lib.Summary({ name: 'w', help: 'w', percentiles: [0.5], maxAgeSeconds: 10, ageBuckets: 2, registers: [reg] });
        for (let i = 0; i < 100; i++) s.observe(1000);
        mock.timers.tick(11_000);
        for (let i = 0; i < 10; i++) s.observe(1);
        out.push(sampleLines(await reg.metrics()));
      }
      assert.deepEqual(out[1], out[0]);
      assert.deepEqual(out[1], ['w{quantile="0.5"} 1', 'w_sum 100010', 'w_count 110']);
    } finally {
      mock.timers.reset();
    }
  });

  it('exemplars in OpenMetrics: counter and histogram, prom-client\'s layout', async () => {
    const texts: string[] = [];
    for (const lib of [real, shim]) {
      const reg = new lib.Registry(lib.Registry.OPENMETRICS_CONTENT_TYPE);
      const c = new lib.Counter({ name: 'ex_total', help: 'e', labelNames: ['a'], enableExemplars: true, registers: [reg] });
      c.inc({ labels: { a: 'b' }, value: 2, exemplarLabels: { trace_id: 'abc' } });
      const h = new lib.Histogram({ name: 'ex_h', help: 'e', buckets: [1, 5], enableExemplars: true, registers: [reg] });
      h.observe({ value: 3, exemplarLabels: { trace_id: 'def' } });
      texts.push((await reg.metrics()).replace(/ \d+(\.\d+)?\n/g, ' T\n'));
    }
    assert.equal(texts[1], texts[0]);
    assert.match(texts[1] as string, /ex_total\{a="b"\} 2 # \{trace_id="abc"\} 2 T/);
    assert.throws(() => new shim.Counter({ name: 'ex2', help: 'e', enableExemplars: true, registers: [new shim.Registry()] }), /only on OpenMetrics/);
  });

  it('collectDefaultMetrics: every prom-client default metric, with the prefix and labels', async () => {
    const names: Array<Set<string>> = [];
    for (const lib of [real, shim]) {
      const reg = new lib.Registry();
      lib.collectDefaultMetrics({ register: reg, prefix: 'app_', labels: { svc: 'x' } });
      const text = await reg.metrics();
      names.push(new Set(text.split('\n').filter((l) => l.startsWith('# TYPE')).map((l) => l.slice(7))));
      assert.match(text, /app_nodejs_version_info\{version="v[^"]+",major="\d+",minor="\d+",patch="\d+",svc="x"\} 1/);
    }
    const missing = [...(names[0] as Set<string>)].filter((n) => !(names[1] as Set<string>).has(n));
    assert.deepEqual(missing, []);
  });

  it('children survive reset and remove: the next update brings the series back, as in prom-client', async () => {
    const out: string[] = [];
    for (const lib of [real, shim]) {
      const reg = new lib.Registry();
      const c = new lib.Counter({ name: 'k_total', help: 'k', labelNames: ['a'], registers: [reg] });
      const child = c.labels('x');
      child.inc(5);
      c.reset();
      child.inc();
      c.inc({ a: 'y' });
      c.remove('x');
      child.inc(2);
      const h = new lib.Histogram({ name: 'k_h', help: 'k', labelNames: ['a'], buckets: [1], registers: [reg] });
      const hc = h.labels({ a: 'z' });
      hc.observe(0.5);
      h.reset();
      hc.observe(2);
      out.push(await reg.metrics());
    }
    assert.equal(out[1], out[0]);
  });

  it('the global register is one per process, kept in sharedState (shared by the ESM and CommonJS copies)', () => {
    const slot = sharedState<{ register: unknown }>('prom-client.register', () => ({ register: null }));
    assert.equal(slot.register, shim.register);
    const c = new shim.Counter({ name: 'global_probe_total', help: 'g' });
    assert.equal(shim.register.getSingleMetric('global_probe_total'), c);
    shim.register.removeSingleMetric('global_probe_total');
  });

  it('the documented differences: refused at construction with coded errors; bad values dropped, not stored', async () => {
    const reg = new shim.Registry();
    assert.throws(() => new shim.Counter({ name: 'u', help: 'u', labelNames: ['__x'], registers: [reg] }), { code: 'ERR_METERKIT_INVALID_LABEL_NAME' });
    assert.throws(() => new shim.Histogram({ name: 'u', help: 'u', buckets: [2, 1], registers: [reg] }), { code: 'ERR_METERKIT_INVALID_BUCKETS' });
    assert.throws(() => new shim.Summary({ name: 'u', help: 'u', percentiles: [0.9, 0.5], registers: [reg] }), /strictly increasing/);
    const warned: string[] = [];
    const onWarning = (w: Error): void => void warned.push(w.message);
    process.on('warning', onWarning);
    try {
      const g = new shim.Gauge({ name: 'nan_g', help: 'n', registers: [reg] });
      g.set(4);
      g.set(NaN);
      assert.match(await reg.metrics(), /^nan_g 4$/m);
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.ok(warned.some((m) => m.includes('nan_g')), warned.join('; '));
    } finally {
      process.off('warning', onWarning);
    }
  });
});
