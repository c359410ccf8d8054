import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import client from 'prom-client';
import { MeterkitError, Registry } from '../../../src/index.js';
import { collectProcessMetrics } from '../../../src/collectors/process/index.js';
import { render } from '../../../src/prometheus/index.js';

/** What meterkit adds beyond prom-client's default metrics (README: Process metrics). */
const EXTRA = new Set(['nodejs_eventloop_utilization']);

describe('process metrics: prefix and constant labels, as collectDefaultMetrics({ prefix, labels })', () => {
  const reg = new Registry();
  const pc = collectProcessMetrics(reg, { prefix: 'shop_', labels: { app: 'shop', env: 'prod' } });
  after(() => pc.close());

  it("names every metric as prom-client's default metrics with the same prefix", async () => {
    const theirs = new client.Registry();
    client.collectDefaultMetrics({ register: theirs, prefix: 'shop_' });
    const expected = (await theirs.getMetricsAsJSON()).map((m) => m.name).sort();
    theirs.clear();
    await reg.collect();
    const ours = [...reg.families()].map((f) => f.name).filter((n) => !EXTRA.has(n.slice('shop_'.length))).sort();
    assert.deepEqual(ours, expected);
  });

  it('puts the constant labels on every series, after its own', async () => {
    await reg.collect();
    const lines = render(reg).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.ok(lines.length > 20);
    for (const l of lines) {
      assert.ok(l.startsWith('shop_'), l);
      assert.match(l, /[{,]app="shop",env="prod"[,}]/, l);
    }
    assert.ok(lines.some((l) => /^shop_nodejs_heap_space_size_used_bytes\{space="old",app="shop",env="prod"\} /.test(l)));
    assert.ok(lines.some((l) => /^shop_process_cpu_seconds_total\{app="shop",env="prod"\} /.test(l)));
  });

  it('refuses constant labels the collector sets itself, or bad names', () => {
    const r = new Registry();
    const code = (c: string) => (err: unknown) => err instanceof MeterkitError && err.code === c;
    assert.throws(() => collectProcessMetrics(r, { labels: { type: 'x' } }), code('ERR_METERKIT_INVALID_LABEL_NAME'));
    assert.throws(() => collectProcessMetrics(r, { labels: { 'a-b': 'x' } }), code('ERR_METERKIT_INVALID_LABEL_NAME'));
    assert.equal([...r.families()].length, 0, 'nothing registered by a refused call');
  });
});
