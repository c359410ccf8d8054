import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { COLLECTOR_ERRORS_METRIC, INLINE_TIMEOUTS_METRIC, Registry, Unit } from '../../src/index.js';
import { HttpServer } from '../../src/http/index.js';
import { get } from '../helpers/scrape.js';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, acceptsGzip, createMetricsHandler, render } from '../../src/prometheus/index.js';

describe('/metrics handler', () => {
  const registry = new Registry();
  const server = new HttpServer({ port: 0 });
  let base = '';
  before(async () => {
    registry.describeCounter('served_total', Unit.Count, 'Served');
    registry.counter('served_total', { path: '/' }).increment(7);
    server.route('/metrics', createMetricsHandler(registry, { sliceSize: 10 }));
    server.route('/om', createMetricsHandler(registry, { sliceSize: 10, openMetrics: true }));
    await server.listen();
    base = `${server.url()}/metrics`;
  });
  after(() => server.close());

  it('serves text 0.0.4 by default with the exact Content-Type', async () => {
    const r = await get(base);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], PROMETHEUS_CONTENT_TYPE);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(r.body.toString(), render(registry));
  });

  it('serves OpenMetrics when enabled and asked', async () => {
    assert.equal((await get(base, { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } })).headers['content-type'], PROMETHEUS_CONTENT_TYPE);
    const r = await get(base.replace(/metrics$/, 'om'), { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } });
    assert.equal(r.headers['content-type'], OPENMETRICS_CONTENT_TYPE);
    assert.equal(r.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.ok(r.body.toString().endsWith('# EOF\n'));
    assert.match(r.headers.vary as string, /Accept/);
  });

  it('gzips when accepted, and not when refused', async () => {
    for (let i = 0; i < 200; i++) registry.counter('bulk_total', { i: String(i) }).increment();
    const r = await get(base, { headers: { 'Accept-Encoding': 'gzip, deflate' } });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(r.body).toString(), render(registry));
    const plain = await get(base, { headers: { 'Accept-Encoding': 'gzip;q=0' } });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(acceptsGzip('identity'), false);
    assert.equal(acceptsGzip('*'), true);
  });

  it('answers HEAD with headers only and other methods with 405', async () => {
    const h = await get(base, { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.headers['content-type'], PROMETHEUS_CONTENT_TYPE);
    assert.equal(h.body.length, 0);
    const p = await get(base, { method: 'POST' });
    assert.equal(p.status, 405);
    assert.equal(p.headers.allow, 'GET, HEAD');
    assert.match(p.body.toString(), /POST not allowed/);
  });
});

describe('scrape-time collectors', () => {
  it('run before each scrape, single-flight for concurrent scrapes', async () => {
    const reg = new Registry();
    let runs = 0;
    let release!: () => void;
    reg.addCollector('slowish', async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
      reg.gauge('collected').set(runs);
    });
    const scrapes = [reg.collect(), reg.collect(), reg.collect()];
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all(scrapes);
    assert.equal(runs, 1);
    const next = reg.collect();
    await new Promise((r) => setImmediate(r));
    release();
    await next;
    assert.equal(runs, 2);
    assert.equal(reg.view(reg.gauge('collected')).value, 2);
  });

  it('answer with the last data after the inline timeout, and count it', async () => {
    const reg = new Registry({ collectTimeout: 20 });
    let release!: () => void;
    let done = false;
    reg.addCollector('stuck', async () => {
      await new Promise<void>((r) => (release = r));
      reg.gauge('late').set(1);
      done = true;
    });
    await reg.collect();
    assert.equal(done, false);
    assert.equal(reg.view(reg.counter(INLINE_TIMEOUTS_METRIC)).value, 1);
    assert.equal(reg.family('late'), undefined);
    // the run goes on in the background and a later scrape joins it
    const again = reg.collect({ inlineTimeout: 5000 });
    release();
    await again;
    assert.equal(done, true);
    assert.equal(reg.view(reg.gauge('late')).value, 1);
    assert.equal(reg.view(reg.counter(INLINE_TIMEOUTS_METRIC)).value, 1);
  });

  it('tell only the collectors still running that a scrape stopped waiting for them', async () => {
    const reg = new Registry({ collectTimeout: 20 });
    let release!: () => void;
    const told: string[] = [];
    reg.addCollector('slow', () => new Promise<void>((r) => (release = r)), { onInlineTimeout: () => told.push('slow') });
    reg.addCollector('quick', () => undefined, { onInlineTimeout: () => told.push('quick') });
    await reg.collect();
    assert.deepEqual(told, ['slow']);
    release();
    await reg.collect();
    assert.deepEqual(told, ['slow']);
  });

  it('count a failing collector, serve the rest, log once per episode', async () => {
    const logged: string[] = [];
    const reg = new Registry({ onCollectorError: (name, err) => logged.push(`${name}: ${(err as Error).message}`) });
    let fail = true;
    reg.addCollector('flaky', () => {
      if (fail) throw new Error('disk on fire');
      reg.gauge('flaky_ok').set(1);
    });
    reg.addCollector('fine', () => reg.gauge('fine_value').set(42));
    await reg.collect();
    await reg.collect();
    assert.equal(reg.view(reg.counter(COLLECTOR_ERRORS_METRIC, { collector: 'flaky' })).value, 2);
    assert.deepEqual(logged, ['flaky: disk on fire']);
    assert.equal(reg.view(reg.gauge('fine_value')).value, 42);
    fail = false;
    await reg.collect();
    fail = true;
    await reg.collect();
    assert.equal(logged.length, 2, 'a new episode logs again');
    assert.match(render(reg), /meterkit_collector_errors_total\{collector="flaky"\} 3/);
  });

  it('reject bad collectors and allow removal', async () => {
    const reg = new Registry();
    const remove = reg.addCollector('one', () => reg.counter('one_total').increment());
    assert.throws(() => reg.addCollector('one', () => undefined), /already added/);
    assert.throws(() => reg.addCollector('', () => undefined), /non-empty/);
    assert.throws(() => reg.addCollector('x', 5 as never), /must be a function/);
    await reg.collect();
    remove();
    await reg.collect();
    assert.equal(reg.view(reg.counter('one_total')).value, 1);
  });

  it('a scrape through HTTP waits for collectors', async () => {
    const reg = new Registry();
    let n = 0;
    reg.addCollector('ticker', async () => {
      await new Promise((r) => setTimeout(r, 5));
      reg.gauge('ticks').set(++n);
    });
    const server = new HttpServer({ port: 0 }).route('/metrics', createMetricsHandler(reg));
    await server.listen();
    try {
      const r1 = await get(`${server.url()}/metrics`);
      const r2 = await get(`${server.url()}/metrics`);
      assert.match(r1.body.toString(), /^ticks 1$/m);
      assert.match(r2.body.toString(), /^ticks 2$/m);
    } finally {
      await server.close();
    }
  });
});
