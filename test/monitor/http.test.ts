/**
 * The monitor's HTTP transport on a real HttpServer with a real Monitor, and the reporter's
 * HTTP sender against it: ingest, all-or-nothing batches, 400/405/413/415 with messages,
 * refusals counted, auth, timeouts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/core/registry.js';
import { HttpServer } from '../../src/http/server.js';
import { Monitor } from '../../src/monitor/monitor.js';
import { MONITOR_HTTP_BASE, MONITOR_HTTP_REJECTED_METRIC, createMonitorApi } from '../../src/monitor/http.js';
import { httpSender, monitorIngestUrl } from '../../src/monitor/http-sender.js';
import type { Metric, PeerStatus } from '../../src/monitor/types.js';
import { createMetricsHandler } from '../../src/prometheus/handler.js';
import { sampleValue } from '../helpers/backends.js';
import { freePort } from '../helpers/tools.js';

const TOKEN = 's3cret-token';
const json = { 'Content-Type': 'application/json' };

describe('monitor HTTP transport', () => {
  const now = 1_000_000;
  const registry = new Registry();
  const monitor = new Monitor({ now: () => now, recorder: registry });
  const server = new HttpServer({ port: 0, auth: { token: TOKEN } });
  let base = '';
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const post = (body: string, headers: Record<string, string> = { ...json, ...auth }): Promise<Response> => fetch(`${base}/monitor/v1/metrics`, { method: 'POST', headers, body });

  before(async () => {
    server.routeTree(MONITOR_HTTP_BASE, createMonitorApi(monitor, { bodyLimit: 2048, metrics: registry }));
    server.route('/metrics', createMetricsHandler(registry));
    // a route that never answers, for the sender's timeout
    server.route('/stall', () => new Promise(() => undefined));
    await server.listen();
    base = server.url();
  });
  after(async () => {
    await monitor.close();
    await server.close();
  });

  it('POST a batch, then GET peers and the last metrics of a name', async () => {
    const res = await post(JSON.stringify([
      { name: 'ping', peer: 'a', ttl: 1000 },
      { name: 'ping', peer: 'b', value: 3, expire: now + 500 },
    ]));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { logged: 2 });
    const peers = (await (await fetch(`${base}/monitor/v1/peers`, { headers: auth })).json()) as PeerStatus[];
    assert.deepEqual(peers, monitor.status());
    assert.deepEqual(peers.map((p) => [p.peer, p.metric, p.value, p.lastSeen, p.expire, p.state]), [
      ['a', 'ping', '', now, now + 1000, 'up'],
      ['b', 'ping', 3, now, now + 500, 'up'],
    ]);
    const last = (await (await fetch(`${base}/monitor/v1/metrics/ping`, { headers: auth })).json()) as Metric[];
    assert.deepEqual(last, JSON.parse(JSON.stringify(monitor.lastMetrics('ping'))));
    assert.equal(last.length, 2);
    assert.deepEqual(await (await fetch(`${base}/monitor/v1/metrics/nothing`, { headers: auth })).json(), []);
    const head = await fetch(`${base}/monitor/v1/peers`, { method: 'HEAD', headers: auth });
    assert.equal(head.status, 200);
  });

  it('a bad metric: 400 naming its index and field, and nothing of the batch logged', async () => {
    const before = monitor.status().length;
    const res = await post(JSON.stringify([{ name: 'ping', peer: 'c', ttl: 1000 }, { name: 'ping', peer: 'd', ttl: -5 }]));
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, /^invalid metric \[1\] ttl: invalid ttl -5/, 'names the index, the field, the value');
    assert.equal(monitor.status().length, before, 'all or nothing');
    for (const bad of ['{"name":"ping"}', '"x"', 'not json']) {
      const r = await post(bad);
      assert.equal(r.status, 400, bad);
      assert.match(((await r.json()) as { error: string }).error, /./);
    }
  });

  it('413 over the body limit, 415 without JSON, 405 with Allow, 400/404 on bad paths', async () => {
    const big = await post(JSON.stringify([{ name: 'ping', peer: 'x'.repeat(3000), ttl: 1 }]));
    assert.equal(big.status, 413);
    assert.match(((await big.json()) as { error: string }).error, /over the limit of 2048/);
    const text = await post('[]', { 'Content-Type': 'text/plain', ...auth });
    assert.equal(text.status, 415);
    const get = await fetch(`${base}/monitor/v1/metrics`, { headers: auth });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const postPeers = await fetch(`${base}/monitor/v1/peers`, { method: 'POST', headers: { ...json, ...auth }, body: '[]' });
    assert.equal(postPeers.status, 405);
    assert.equal(postPeers.headers.get('allow'), 'GET, HEAD');
    const badName = await fetch(`${base}/monitor/v1/metrics/9lives`, { headers: auth });
    assert.equal(badName.status, 400);
    assert.match(((await badName.json()) as { error: string }).error, /invalid metric name "9lives"/);
    assert.equal((await fetch(`${base}/monitor/v1/nope`, { headers: auth })).status, 404);
    const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    assert.equal(sampleValue(metrics, MONITOR_HTTP_REJECTED_METRIC, { reason: 'too_large' }), 1);
    assert.equal(sampleValue(metrics, MONITOR_HTTP_REJECTED_METRIC, { reason: 'media_type' }), 1);
    assert.ok((sampleValue(metrics, MONITOR_HTTP_REJECTED_METRIC, { reason: 'invalid' }) ?? 0) >= 4);
  });

  it('the agent auth applies: 401 without credentials', async () => {
    const res = await post('[]', json);
    assert.equal(res.status, 401);
    assert.equal((await fetch(`${base}/monitor/v1/peers`)).status, 401);
  });

  it('httpSender: posts with auth; rejects with the status and message, a refused connection, a timeout', async () => {
    await httpSender({ url: base, auth: { token: TOKEN } })([{ name: 'ping', peer: 'sent', ttl: 1000 }]);
    assert.equal(monitor.latest('ping', 'sent')?.peer, 'sent');
    await assert.rejects(httpSender({ url: base })([]), { code: 'ERR_METERKIT_MONITOR_REPORT', message: /POST http:\/\/127\.0\.0\.1:\d+\/monitor\/v1\/metrics answered 401: unauthorized/ });
    await assert.rejects(httpSender({ url: base, auth: { token: TOKEN } })([{ name: 'ping', peer: '', ttl: 1 }]), /answered 400: \{[\s\S]*peer/);
    await assert.rejects(httpSender({ url: `http://127.0.0.1:${await freePort()}`, auth: { token: TOKEN } })([]), { code: 'ERR_METERKIT_MONITOR_REPORT', message: /failed: fetch failed: .*ECONNREFUSED/ });
    await assert.rejects(httpSender({ url: `${base}/stall`, auth: { token: TOKEN }, timeout: 100 })([]), { code: 'ERR_METERKIT_MONITOR_REPORT', message: /\/stall failed: .*(timeout|aborted)/i });
    assert.equal(monitorIngestUrl('http://h:1').toString(), 'http://h:1/monitor/v1/metrics');
    assert.equal(monitorIngestUrl('https://h:1/custom/path').toString(), 'https://h:1/custom/path');
    assert.throws(() => httpSender({ url: base, timeout: 0 }), /invalid monitor send timeout 0/);
    assert.throws(() => httpSender({ url: 'http://a:b@h:1' }), (e: Error) => /credentials not shown/.test(e.message) && !e.message.includes(':b@'));
  });

  it('checks its bodyLimit', () => {
    assert.throws(() => createMonitorApi(monitor, { bodyLimit: 0 }), /invalid monitor bodyLimit 0/);
  });
});
