/**
 * #14 review: the dashboard API's bounds and input checks.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/core/registry.js';
import { History, createDashboardApi } from '../../src/dashboard/index.js';
import type { DashboardApi } from '../../src/dashboard/index.js';
import { HttpServer } from '../../src/http/index.js';

function get(url: string): Promise<{ status: number; body: string; res: IncomingMessage }> {
  return new Promise((resolve, reject) =>
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      if (res.headers['content-type']?.startsWith('text/event-stream')) return resolve({ status: res.statusCode ?? 0, body, res });
      res.on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body, res }));
    })
      .on('error', reject)
      .end(),
  );
}

describe('r14 dashboard API', () => {
  let server: HttpServer;
  let api: DashboardApi;
  let history: History;
  let base: string;
  const reg = new Registry();
  before(async () => {
    reg.gauge('temp').set(1);
    for (const n of ['zeta_total', 'beta_total', 'alpha_total']) reg.counter(n).increment(1);
    history = new History(reg, { maxWatched: 4 });
    api = createDashboardApi({ registry: reg, history, status: () => ({ features: {} as never }), maxClients: 1 });
    server = new HttpServer({ port: 0 });
    server.routeTree('/api/v1', api.handler);
    await server.listen();
    base = server.url();
  });
  after(async () => {
    api.close();
    await history.close();
    await server.close();
  });

  it('refuses to watch ids that name no family (a bad id holds a watch slot for 10 minutes)', async () => {
    const before = history.watched;
    const r = await get(`${base}/api/v1/history?series=no_such_family_${Date.now()}`);
    assert.ok(r.status === 400 || r.status === 404, `status ${r.status}: ${r.body}`);
    assert.equal(history.watched, before, 'a bad id took a watch slot');
  });

  it('an event stream refused with 503 leaves no watched series behind', async () => {
    const first = await get(`${base}/api/v1/events?series=temp`);
    assert.equal(first.status, 200);
    try {
      const watched = history.watched;
      const second = await get(`${base}/api/v1/events?series=alpha_total`);
      assert.equal(second.status, 503);
      assert.equal(history.watched, watched, 'the refused stream took a watch slot');
    } finally {
      first.res.destroy();
    }
  });

  it('families?limit=N gives the first N by name, as the list is sorted', async () => {
    const r = await get(`${base}/api/v1/families?limit=1&q=_total`);
    assert.equal(r.status, 200);
    assert.deepEqual(
      (JSON.parse(r.body) as { name: string }[]).map((f) => f.name),
      ['alpha_total'],
    );
  });
});

describe('r14 event streams and the concurrency cap', () => {
  it('open dashboard tabs never take every --max-concurrent slot (scrapes still answered)', async () => {
    const reg = new Registry();
    reg.gauge('temp').set(1);
    const history = new History(reg);
    const api = createDashboardApi({ registry: reg, history, status: () => ({ features: {} as never }) });
    const server = new HttpServer({ port: 0, maxConcurrent: 4 });
    server.routeTree('/api/v1', api.handler);
    await server.listen();
    const base = server.url();
    const streams: IncomingMessage[] = [];
    try {
      for (let i = 0; i < api.events.maxClients; i++) {
        const s = await get(`${base}/api/v1/events?series=temp`);
        assert.equal(s.status, 200);
        streams.push(s.res);
      }
      const r = await get(`${base}/api/v1/status`);
      assert.equal(r.status, 200, `with ${streams.length} tabs open: ${r.status} ${r.body}`);
    } finally {
      for (const s of streams) s.destroy();
      api.close();
      await history.close();
      await server.close();
    }
  });
});
