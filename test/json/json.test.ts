import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry, Unit } from '../../src/index.js';
import { HttpServer } from '../../src/http/index.js';
import { createJsonHandler, metricsJson, toJson } from '../../src/json/index.js';
import { get } from '../prometheus/handler.test.js';

describe('JSON view', () => {
  it('lists every family with series, labels, values, buckets and quantiles', () => {
    const r = new Registry({ onError: () => undefined }); // the NaN and -Inf sets below are dropped on purpose
    r.describeCounter('req_total', Unit.Count, 'Requests');
    r.counter('req_total', { m: 'GET' }).increment(2);
    r.gauge('odd', { k: 'nan' }).set(NaN);
    r.gauge('odd', { k: 'inf' }).set(-Infinity);
    r.setHistogramOptions('lat_seconds', { buckets: [0.1, 1], quantiles: true });
    const h = r.histogram('lat_seconds', { route: '/' });
    h.record(0.05);
    h.record(0.5);
    h.record(5);
    const m = metricsJson(r);
    assert.deepEqual(Object.keys(m), ['lat_seconds', 'meterkit_invalid_updates_total', 'odd', 'req_total']);
    assert.deepEqual(m.req_total, { type: 'counter', unit: 'count', help: 'Requests', series: [{ labels: { m: 'GET' }, value: 2 }] });
    assert.deepEqual(m.odd?.series.map((s) => s.value), [0, 0], 'NaN and infinities are never stored');
    const s = m.lat_seconds?.series[0];
    assert.equal(s?.count, 3);
    assert.equal(s?.sum, 5.55);
    assert.deepEqual(s?.buckets, [{ le: 0.1, count: 1 }, { le: 1, count: 2 }, { le: '+Inf', count: 3 }]);
    assert.ok(Math.abs((s?.quantiles?.['0.5'] as number) - 0.5) <= 0.5 * 0.01);
    // it is real JSON: survives a round trip
    assert.deepEqual(JSON.parse(JSON.stringify(toJson(r))).metrics, m);
  });

  it('carries cmdline and memory facts, served at a handler', async () => {
    const r = new Registry();
    let collected = 0;
    r.addCollector('c', () => void collected++);
    const doc = toJson(r);
    assert.deepEqual(doc.cmdline, process.argv);
    assert.ok((doc.memstats.heapUsed ?? 0) > 0 && (doc.memstats.rss ?? 0) > 0);
    const server = new HttpServer({ port: 0 }).route('/debug/vars', createJsonHandler(r));
    await server.listen();
    try {
      const res = await get(`${server.url()}/debug/vars`);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.ok('memstats' in JSON.parse(res.body.toString()));
      assert.equal(collected, 1);
      assert.equal((await get(`${server.url()}/debug/vars`, { method: 'HEAD' })).body.length, 0);
      assert.equal((await get(`${server.url()}/debug/vars`, { method: 'DELETE' })).status, 405);
    } finally {
      await server.close();
    }
  });
});
