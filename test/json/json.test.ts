import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { PerformanceEntry } from 'node:perf_hooks';
import { constants } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { Registry, Unit } from '../../src/index.js';
import { HttpServer } from '../../src/http/index.js';
import { forceGc } from '../helpers/gc.js';
import { waitFor } from '../helpers/tools.js';
import { GcStats, createJsonHandler, isSecretFlag, readMemStats, redactArgv, renderVars, renderVarsChunks, varName } from '../../src/json/index.js';

type Doc = Record<string, unknown>;

/** A fake `gc` performance entry, for the ring arithmetic only. */
function gcEntry(kind: number, ms: number, flags = 0): PerformanceEntry {
  return { name: 'gc', entryType: 'gc', startTime: 1000, duration: ms, detail: { kind, flags } } as unknown as PerformanceEntry;
}

describe('JSON view: Go expvar layout', () => {
  it('puts cmdline, memstats and every metric at the top level, sorted, as numbers, maps and histogram objects', () => {
    const r = new Registry({ cardinalityLimit: 3, onError: () => undefined }); // the NaN/Inf sets are dropped on purpose
    r.describeCounter('req_total', Unit.Count, 'Requests');
    r.counter('req_total', { method: 'GET', code: '200' }).increment(2);
    r.counter('req_total', { method: 'POST', code: '500' }).increment(1);
    r.gauge('up').set(1);
    r.gauge('odd', { k: 'nan' }).set(NaN);
    r.gauge('odd', { k: 'inf' }).set(-Infinity);
    r.gauge('odd', { k: 'big' }).set(Infinity);
    r.gauge('odd', { k: 'four' }).set(4); // over the limit of 3: the overflow series
    r.gauge('mixed').set(7);
    r.gauge('mixed', { a: 'x' }).set(8);
    r.gauge('mixed', { b: 'x' }).set(9);
    r.gauge('cmdline').set(3);
    r.gauge('memstats', { z: '1' }).set(4);
    r.describeGauge('described_only', Unit.Count, 'never set');
    r.setHistogramOptions('lat_seconds', { buckets: [0.1, 1], quantiles: true });
    r.histogram('lat_seconds', { route: '/' }).record(0.5);
    r.setHistogramOptions('one_seconds', { buckets: [0.25] });
    const h = r.histogram('one_seconds');
    h.record(0.1);
    h.record(2);
    const text = renderVars(r, { cmdline: ['node', 'app'] });
    const doc = JSON.parse(text) as Doc;
    assert.deepEqual(Object.keys(doc), ['cmdline', 'lat_seconds', 'memstats', 'meterkit_cardinality_overflow_total', 'meterkit_invalid_updates_total', 'metric-cmdline', 'metric-memstats', 'mixed', 'odd', 'one_seconds', 'req_total', 'up']);
    assert.deepEqual(doc.cmdline, ['node', 'app']);
    assert.equal(doc.up, 1);
    assert.deepEqual(doc.req_total, { 'GET|200': 2, 'POST|500': 1 });
    // a gauge never stores NaN or an infinity: those sets were dropped (and counted)
    assert.deepEqual(doc.odd, { nan: 0, inf: 0, big: 0, 'meterkit_overflow=true': 4 });
    assert.deepEqual(doc.mixed, { '': 7, x: 8, 'b=x': 9 });
    assert.equal(doc['metric-cmdline'], 3);
    assert.deepEqual(doc['metric-memstats'], { '1': 4 });
    assert.deepEqual(doc.one_seconds, { count: 2, sum: 2.1, buckets: { '0.25': 1, '+Inf': 2 } });
    const lat = (doc.lat_seconds as Doc)['/'] as { count: number; buckets: Doc; quantiles: Record<string, number> };
    assert.equal(lat.count, 1);
    assert.deepEqual(lat.buckets, { '0.1': 0, '1': 1, '+Inf': 1 });
    assert.deepEqual(Object.keys(lat.quantiles), ['0.5', '0.9', '0.99', '0.999']);
    assert.ok(Math.abs((lat.quantiles['0.5'] as number) - 0.5) <= 0.5 * 0.01);
    assert.equal(varName('memstats'), 'metric-memstats');
    assert.equal(varName('up'), 'up');
  });

  it('gives the same document in slices, however small', async () => {
    const r = new Registry();
    for (let i = 0; i < 50; i++) r.counter('a_total', { i: String(i) }).increment(i);
    for (let i = 0; i < 7; i++) r.gauge(`g${i}`).set(i);
    const whole = renderVars(r, { cmdline: [] });
    const chunks: string[] = [];
    for await (const c of renderVarsChunks(r, { cmdline: [], sliceSize: 3 })) chunks.push(c);
    assert.ok(chunks.length > 15, `${chunks.length} chunks`);
    // memstats moves between two readings; everything else is identical
    const strip = (s: string): Doc => {
      const d = JSON.parse(s) as Doc;
      delete d.memstats;
      return d;
    };
    assert.deepEqual(strip(chunks.join('')), strip(whole));
    assert.throws(() => renderVars(r, { sliceSize: 0 }), { code: 'ERR_METERKIT_INVALID_ARGUMENT' });
  });

  it('memstats: Go field names with Node equivalents only', async () => {
    const plain = readMemStats();
    assert.deepEqual(Object.keys(plain), ['Alloc', 'HeapAlloc', 'HeapSys']);
    assert.ok(plain.HeapAlloc > 0 && plain.HeapSys >= plain.HeapAlloc && plain.Alloc === plain.HeapAlloc);
    const gc = new GcStats();
    try {
      // a real, forced collection; the observer hears of it a turn or two later
      forceGc();
      await waitFor(async () => (gc.read().NumForcedGC > 0 ? true : undefined), 10_000, 'the forced GC in GcStats');
      const m = readMemStats(gc);
      assert.deepEqual(Object.keys(m), ['Alloc', 'HeapAlloc', 'HeapSys', 'LastGC', 'PauseTotalNs', 'PauseNs', 'PauseEnd', 'NumGC', 'NumForcedGC']);
      assert.ok((m.NumGC ?? 0) >= 1);
      assert.ok((m.NumForcedGC ?? 0) >= 1, 'global gc() counts as forced, as runtime.GC() does in Go');
      assert.ok((m.PauseTotalNs ?? 0) > 0);
      const lastGcMs = (m.LastGC ?? 0) / 1e6;
      assert.ok(Math.abs(lastGcMs - Date.now()) < 60_000, `LastGC ${m.LastGC} is ns since the epoch`);
      assert.equal(m.PauseNs?.length, 256);
    } finally {
      await gc.close();
    }
  });

  it('memstats: PauseNs/PauseEnd rings are indexed as Go indexes them', async () => {
    const gc = new GcStats();
    await gc.close(); // only the arithmetic: feed entries by hand
    const { NODE_PERFORMANCE_GC_MAJOR: MAJOR, NODE_PERFORMANCE_GC_MINOR: MINOR, NODE_PERFORMANCE_GC_INCREMENTAL: INCR, NODE_PERFORMANCE_GC_FLAGS_FORCED: FORCED } = constants;
    gc.add(gcEntry(INCR, 0.5)); // incremental marking: folded into the next completed cycle
    gc.add(gcEntry(MAJOR, 2, FORCED));
    for (let i = 0; i < 256; i++) gc.add(gcEntry(MINOR, 1));
    const m = gc.read();
    assert.equal(m.NumGC, 257);
    assert.equal(m.NumForcedGC, 1);
    assert.equal(m.PauseTotalNs, 2.5e6 + 256e6);
    // 257 cycles: the first slot was overwritten by the 257th; the latest is at (NumGC+255)%256
    assert.equal(m.PauseNs[(257 + 255) % 256], 1e6);
    assert.equal(m.PauseNs[0], 1e6);
    assert.ok(m.PauseEnd.every((t) => t > 0));
    const fresh = new GcStats();
    await fresh.close();
    fresh.add(gcEntry(INCR, 0.5));
    fresh.add(gcEntry(MAJOR, 2, FORCED));
    assert.equal(fresh.read().PauseNs[0], 2.5e6);
  });
});

describe('redactArgv', () => {
  it('hides secret flag values in both forms and leaves the rest', () => {
    const argv = ['node', 'bin/meterkit.js', 'agent', '--auth-token', '-s3cr3t', '--basic-auth=prom:pw', '--listen', '127.0.0.1:0', '--db-password', 'x', '--API_KEY=y', '--auth-token-file', '/run/token', '--client-secret'];
    assert.deepEqual(redactArgv(argv), ['node', 'bin/meterkit.js', 'agent', '--auth-token', '[REDACTED]', '--basic-auth=[REDACTED]', '--listen', '127.0.0.1:0', '--db-password', '[REDACTED]', '--API_KEY=[REDACTED]', '--auth-token-file', '/run/token', '--client-secret']);
    assert.deepEqual(redactArgv(['--auth-token', 'a', '--mine', 'b'], ['--mine']), ['--auth-token', 'a', '--mine', '[REDACTED]']);
    assert.deepEqual(redactArgv(['--x=1', '--y=2'], (f) => f === '--y'), ['--x=1', '--y=[REDACTED]']);
    for (const f of ['--auth-token', '--basic-auth', '--tls-key', '--passwd', '--aws-credentials', '--webhook-secret']) assert.ok(isSecretFlag(f), f);
    for (const f of ['--listen', '--secret-file', '-t', '--', 'token']) assert.ok(!isSecretFlag(f), f);
    assert.deepEqual(redactArgv(argv.slice(0, 3)), argv.slice(0, 3));
  });
});

describe('JSON handler', () => {
  const r = new Registry();
  let collected = 0;
  r.addCollector('c', () => void collected++);
  r.counter('hits_total', { path: '/a' }).increment(5);
  const handler = createJsonHandler(r);
  const server = new HttpServer({ port: 0 }).route('/debug/vars', handler);
  before(() => server.listen());
  after(async () => {
    await server.close();
    await handler.close();
  });

  it('serves the document (redacted cmdline by default), HEAD, and 405', async () => {
    const res = await fetch(`${server.url()}/debug/vars`);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const doc = (await res.json()) as Doc;
    assert.deepEqual(doc.cmdline, redactArgv(process.argv));
    assert.deepEqual(doc.hits_total, { '/a': 5 });
    assert.ok(((doc.memstats as Doc).HeapAlloc as number) > 0);
    assert.equal(collected, 1);
    const head = await fetch(`${server.url()}/debug/vars`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await head.text()).length, 0);
    assert.equal((await fetch(`${server.url()}/debug/vars`, { method: 'DELETE' })).status, 405);
    const custom = createJsonHandler(r, { cmdline: ['x'], gc: new GcStats(), sliceSize: 1 });
    await custom.close(); // the GcStats is the caller's: close() leaves it alone
    assert.throws(() => createJsonHandler(r, { sliceSize: 1.5 }), /sliceSize 1.5/);
  });

  it('a client that leaves mid-document is no error', async () => {
    const big = new Registry();
    for (let i = 0; i < 20_000; i++) big.gauge('wide', { i: String(i) }).set(i);
    const errors: unknown[] = [];
    const h = createJsonHandler(big, { sliceSize: 100 });
    const s = new HttpServer({ port: 0, onError: (e) => errors.push(e) }).route('/debug/vars', h);
    await s.listen();
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request(`${s.url()}/debug/vars`, (res) => {
          res.once('data', () => {
            res.once('close', () => resolve());
            req.destroy();
          });
        });
        req.once('error', (e) => (req.destroyed ? undefined : reject(e)));
        req.end();
      });
      // the server answers the next request normally
      const again = await fetch(`${s.url()}/debug/vars`);
      assert.equal(Object.keys((await again.json()) as Doc).includes('wide'), true);
      assert.deepEqual(errors, []);
    } finally {
      await s.close();
      await h.close();
    }
  });
});
