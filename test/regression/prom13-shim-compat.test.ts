/*
 * Review findings of issue #13 (prom-client parity): the same operations against real
 * prom-client 15 and meterkit/prom-client, where the shim's output or values differ from
 * prom-client's and the README's differences table does not say so.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import promClient from 'prom-client';
import * as shim from '../../src/prom-client/index.js';

type Lib = typeof shim;
const real = promClient as unknown as Lib;


describe('prom13: meterkit/prom-client vs prom-client 15', () => {
  it('a histogram whose buckets include Infinity writes one le="+Inf" bucket, not two', async () => {
    // prom-client accepts `buckets: [..., Infinity]`; the shim accepts it too, then writes the
    // +Inf bucket twice: a duplicate series, which Prometheus rejects for the whole scrape
    const reg = new shim.Registry();
    const h = new shim.Histogram({ name: 'h_seconds', help: 'h', buckets: [1, Infinity], registers: [reg] });
    h.observe(5);
    const text = await reg.metrics();
    const inf = text.split('\n').filter((l) => l.startsWith('h_seconds_bucket{le="+Inf"}'));
    assert.equal(inf.length, 1, `duplicate +Inf bucket:\n${text}`);
  });

  it('an empty OpenMetrics registry renders as prom-client does ("\\n# EOF\\n")', async () => {
    const ct = shim.Registry.OPENMETRICS_CONTENT_TYPE;
    const a = await new real.Registry(ct).metrics();
    const b = await new shim.Registry(ct).metrics();
    assert.equal(b, a);
  });

  it('get() keeps label values as given (a number stays a number), as prom-client does', async () => {
    const values: unknown[] = [];
    for (const lib of [real, shim]) {
      const reg = new lib.Registry();
      const c = new lib.Counter({ name: 'c', help: 'h', labelNames: ['code'], registers: [reg] });
      c.inc({ code: 200 }, 2);
      values.push((await c.get()).values);
    }
    assert.deepEqual(values[1], values[0]);
  });

  it('a label given as undefined is written as prom-client writes it (b="undefined"), or the README says it differs', async () => {
    const out: string[] = [];
    for (const lib of [real, shim]) {
      const reg = new lib.Registry();
      const c = new lib.Counter({ name: 'c', help: 'h', labelNames: ['a', 'b'], registers: [reg] });
      c.inc({ a: '1', b: undefined as unknown as string });
      out.push(await reg.metrics());
    }
    assert.equal(out[1], out[0]);
  });

  it('collectDefaultMetrics writes the same families as prom-client (no extra nodejs_eventloop_utilization)', async () => {
    const families: Array<Set<string>> = [];
    for (const lib of [real, shim]) {
      const reg = new lib.Registry();
      lib.collectDefaultMetrics({ register: reg, prefix: 'x_' } as never);
      const text = await reg.metrics();
      families.push(new Set<string>(text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2] as string)));
    }
    const extra = [...(families[1] as Set<string>)].filter((n) => !(families[0] as Set<string>).has(n));
    assert.deepEqual(extra, [], 'families prom-client does not write: the README promises the same /metrics output');
  });

  it('setDefaultLabels accepts what prom-client accepts, or the README lists the refusal', () => {
    // prom-client takes any key; the shim throws ERR_METERKIT_INVALID_LABEL_NAME, and the
    // differences table lists only `__` label names and bucket/percentile checks at construction
    // prom-client then writes bad-name="x": not valid exposition, so a refusal is a fix too, when
    // it is coded and the README's differences table lists it
    assert.doesNotThrow(() => new real.Registry().setDefaultLabels({ 'bad-name': 'x' }));
    try {
      new shim.Registry().setDefaultLabels({ 'bad-name': 'x' });
      return;
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'ERR_METERKIT_INVALID_LABEL_NAME');
    }
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Migrating from prom-client'));
    const rows = section.slice(0, section.indexOf('\n## ')).split('\n').filter((l) => l.startsWith('|'));
    assert.ok(rows.some((r) => r.includes('setDefaultLabels') && /refused/.test(r)), 'the differences table does not list the refusal');
  });
  it('default labels named le or quantile never write a label twice (prom-client lets the series\' own win)', async () => {
    // core's checkDefaultLabels refuses le/quantile; the shim's setDefaultLabels does not use it,
    // and its missingDefaults ignores le/quantile: h_bucket{le="1",le="x"} is invalid exposition
    const reg = new shim.Registry();
    let refused = false;
    try {
      reg.setDefaultLabels({ le: 'x', quantile: 'q' });
    } catch (err) {
      // refusing with a coded error (as core's default labels do) is a fix too
      assert.equal((err as { code?: string }).code, 'ERR_METERKIT_INVALID_LABEL_NAME');
      refused = true;
    }
    if (refused) return;
    new shim.Histogram({ name: 'h', help: 'h', buckets: [1], registers: [reg] }).observe(0.5);
    new shim.Summary({ name: 's', help: 'h', percentiles: [0.5], registers: [reg] }).observe(0.5);
    const text = await reg.metrics();
    for (const line of text.split('\n').filter((l) => l.includes('{'))) {
      const names = [...(line.slice(line.indexOf('{') + 1, line.lastIndexOf('}')).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g))].map((m) => m[1]);
      assert.equal(new Set(names).size, names.length, `a label written twice: ${line}`);
    }
  });
});
