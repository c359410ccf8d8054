/**
 * The proxy's REST API on a real agent: gobetween's shapes after real traffic, runtime
 * changes of backends with every refusal a clear status, removal unpublishing the series,
 * and the agent's auth in front of it all.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Agent } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';
import type { TestBackend } from '../helpers/backends.js';
import { closed, dial, sampleValue, startBackend, until } from '../helpers/backends.js';
import { get } from '../helpers/scrape.js';

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** One HTTP request with a body; the reply parsed as JSON when it is JSON. */
function send(url: string, method: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        const json: unknown = /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : undefined;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** Sends `out`, half-closes, reads the reply to its end; resolves with the reply's length. */
async function exchange(port: number, out: Buffer): Promise<number> {
  const s = await dial(port);
  let got = 0;
  s.on('data', (d: Buffer) => (got += d.length));
  s.end(out);
  await once(s, 'end');
  await closed(s);
  return got;
}

interface BackendStats {
  host: string;
  port: string;
  priority: number;
  weight: number;
  stats: Record<string, number | boolean>;
}
interface Stats {
  active_connections: number;
  rx_total: number;
  tx_total: number;
  rx_second: number;
  tx_second: number;
  backends: BackendStats[];
}

describe('proxy REST API on the agent', () => {
  let agent: Agent;
  let port = 0;
  let a: TestBackend;
  let b: TestBackend;
  const extra: TestBackend[] = [];
  before(async () => {
    a = await startBackend('a', { replyBytes: 100_000 });
    b = await startBackend('b', 'hold');
    agent = await startAgent({
      listen: '127.0.0.1:0',
      process: false,
      stream: '127.0.0.1:0',
      log: () => undefined,
      proxy: { naming: 'meterkit', drainTimeout: 0, servers: [{ name: 'web', bind: '127.0.0.1:0', backends: [a.address, `${b.address},weight=2,priority=3`], strategy: 'roundrobin' }] },
    });
    port = agent.proxy?.server('web')?.boundAddress().port ?? 0;
  });
  after(async () => {
    await agent.close();
    await Promise.all([a, b, ...extra].map((x) => x.stop()));
  });

  it('GET /servers and /servers/NAME describe the servers', async () => {
    const all = await send(`${agent.url}/servers`, 'GET');
    assert.equal(all.status, 200);
    const web = (all.json as Record<string, Record<string, unknown>>).web;
    assert.ok(web !== undefined);
    assert.equal(web.name, 'web');
    assert.equal(web.bind, `127.0.0.1:${port}`);
    assert.equal(web.strategy, 'roundrobin');
    assert.deepEqual(web.healthcheck, { kind: 'none' });
    assert.deepEqual(web.backends, [
      { host: '127.0.0.1', port: a.port, weight: 1, priority: 1 },
      { host: '127.0.0.1', port: b.port, weight: 2, priority: 3 },
    ]);
    const one = await send(`${agent.url}/servers/web`, 'GET');
    assert.deepEqual(one.json, web);
    assert.equal((await send(`${agent.url}/servers/nope`, 'GET')).status, 404);
    assert.equal((await send(`${agent.url}/servers/nope/stats`, 'GET')).status, 404);
    assert.equal((await send(`${agent.url}/servers/web/stats`, 'POST', '{}', JSON_TYPE)).status, 405);
    assert.equal((await send(`${agent.url}/servers/web/whatever`, 'GET')).status, 404);
  });

  it("GET /servers/NAME/stats has gobetween's shape and the exact figures after real traffic", async () => {
    const up = 54_321;
    assert.equal(await exchange(port, randomBytes(up)), 100_000);
    await until(() => agent.proxy?.server('web')?.activeClients() === 0, 'the connection to close');
    agent.proxy?.tick();
    const r = await send(`${agent.url}/servers/web/stats`, 'GET');
    assert.equal(r.status, 200);
    const s = r.json as Stats;
    assert.deepEqual(Object.keys(s).sort(), ['active_connections', 'backends', 'rx_second', 'rx_total', 'tx_second', 'tx_total']);
    assert.equal(s.active_connections, 0);
    assert.equal(s.rx_total, 100_000);
    assert.equal(s.tx_total, up);
    assert.ok(Number.isInteger(s.rx_second) && s.rx_second > 0, `rx_second ${s.rx_second}`);
    assert.ok(Number.isInteger(s.tx_second) && s.tx_second > 0, `tx_second ${s.tx_second}`);
    const [sa, sb] = s.backends;
    assert.ok(sa !== undefined && sb !== undefined);
    assert.deepEqual(Object.keys(sa).sort(), ['host', 'port', 'priority', 'stats', 'weight']);
    assert.deepEqual({ host: sa.host, port: sa.port, priority: sa.priority, weight: sa.weight }, { host: '127.0.0.1', port: String(a.port), priority: 1, weight: 1 });
    assert.deepEqual({ ...sa.stats, rx_second: 0, tx_second: 0 }, {
      live: true,
      discovered: true,
      total_connections: 1,
      active_connections: 0,
      refused_connections: 0,
      rx: 100_000,
      tx: up,
      rx_second: 0,
      tx_second: 0,
    });
    assert.equal(sa.stats.rx_second, s.rx_second);
    assert.deepEqual(sb.stats, { live: true, discovered: true, total_connections: 0, active_connections: 0, refused_connections: 0, rx: 0, tx: 0, rx_second: 0, tx_second: 0 });
  });

  it('POST /servers/NAME/backends adds a backend (201) and refuses bad bodies with a message', async () => {
    const url = `${agent.url}/servers/web/backends`;
    const c = await startBackend('c', 'id');
    extra.push(c);
    const ok = await send(url, 'POST', JSON.stringify({ host: '127.0.0.1', port: c.port, weight: 5 }), JSON_TYPE);
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.json, {
      host: '127.0.0.1',
      port: String(c.port),
      priority: 1,
      weight: 5,
      stats: { live: true, discovered: true, total_connections: 0, active_connections: 0, refused_connections: 0, rx: 0, tx: 0, rx_second: 0, tx_second: 0 },
    });
    const refusals: Array<[string | Buffer, Record<string, string>, number, RegExp]> = [
      ['{"host": "127.0.0.1", "port": ', JSON_TYPE, 400, /not valid JSON/],
      ['[1]', JSON_TYPE, 400, /JSON object/],
      [JSON.stringify({ host: '127.0.0.1', port: 1, color: 'red' }), JSON_TYPE, 400, /unknown field "color"/],
      [JSON.stringify({ host: '127.0.0.1', port: 1, weight: 0 }), JSON_TYPE, 400, /weight/],
      [JSON.stringify({ host: '127.0.0.1', port: 70_000 }), JSON_TYPE, 400, /70000/],
      [JSON.stringify({ host: '', port: 1 }), JSON_TYPE, 400, /host/],
      [JSON.stringify({ host: '127.0.0.1', port: c.port }), JSON_TYPE, 409, new RegExp(`127\\.0\\.0\\.1:${c.port}`)],
      [JSON.stringify({ host: '127.0.0.1', port: 1 }), { 'Content-Type': 'text/plain' }, 415, /application\/json/],
      [JSON.stringify({ host: '127.0.0.1', port: 1, pad: 'x'.repeat(100_000) }), JSON_TYPE, 413, /limit/],
    ];
    for (const [body, headers, status, message] of refusals) {
      const r = await send(url, 'POST', body, headers);
      assert.equal(r.status, status, `${String(body).slice(0, 60)} → ${r.text}`);
      assert.match((r.json as { error: string }).error, message);
    }
    assert.equal((await send(url, 'GET')).status, 405);
    const listed = (await send(`${agent.url}/servers/web`, 'GET')).json as { backends: Array<{ port: number }> };
    assert.deepEqual(
      listed.backends.map((x) => x.port),
      [a.port, b.port, c.port],
      'only the good backend was added',
    );
  });

  it("DELETE /servers/NAME/backends/HOST:PORT removes it (204); its series go once its connections are done", async () => {
    const server = agent.proxy?.server('web');
    assert.ok(server !== undefined);
    // b has the worst priority: make it the only candidate, and hold a connection open on it
    for (const x of server.backends()) if (x.key !== b.address) x.live = false;
    const held = await dial(port);
    await until(() => b.sockets.size === 1, 'the held connection to reach b');
    held.write('hello');
    await b.receivedAtLeast(5);
    for (const x of server.backends()) x.live = true;
    agent.proxy?.tick();
    const metrics = async (): Promise<string> => (await get(`${agent.url}/metrics`)).body.toString();
    const labels = { server: 'web', backend: b.address };
    assert.equal(sampleValue(await metrics(), 'meterkit_proxy_tx_bytes_total', labels), 5);

    const del = await send(`${agent.url}/servers/web/backends/${encodeURIComponent(b.address)}`, 'DELETE');
    assert.equal(del.status, 204);
    assert.equal((await send(`${agent.url}/servers/web/backends/${b.address}`, 'DELETE')).status, 404, 'already gone');
    assert.equal((await send(`${agent.url}/servers/web/backends/127.0.0.1:1`, 'DELETE')).status, 404);
    const stats = (await send(`${agent.url}/servers/web/stats`, 'GET')).json as Stats;
    assert.ok(!stats.backends.some((x) => x.port === String(b.port)), 'gone from the stats');
    assert.equal(stats.active_connections, 1, 'its connection goes on');
    assert.equal(sampleValue(await metrics(), 'meterkit_proxy_active_connections', labels), 1, 'published while its connection is open');

    held.end();
    await closed(held);
    await until(() => server.activeClients() === 0, 'the connection to close at the proxy');
    agent.proxy?.tick();
    const text = await metrics();
    assert.ok(!text.includes(`backend="${b.address}"`), `no series of the removed backend left:\n${text.split('\n').filter((l) => l.includes(b.address)).join('\n')}`);
    assert.ok(text.includes(`backend="${a.address}"`), 'the other backends stay');
  });
});

describe('proxy REST API behind the agent auth', () => {
  it('answers 401 without the token, 200 with it', async () => {
    const be = await startBackend('x', 'id');
    const agent = await startAgent({
      listen: '127.0.0.1:0',
      process: false,
      log: () => undefined,
      auth: { token: 'rest-s3cret' },
      proxy: { naming: 'meterkit', drainTimeout: 0, servers: [{ name: 'auth', bind: '127.0.0.1:0', backends: [be.address] }] },
    });
    try {
      const bearer = { Authorization: 'Bearer rest-s3cret' };
      for (const path of ['/servers', '/servers/auth', '/servers/auth/stats']) {
        assert.equal((await send(`${agent.url}${path}`, 'GET')).status, 401, path);
        assert.equal((await send(`${agent.url}${path}`, 'GET', undefined, bearer)).status, 200, path);
      }
      const body = JSON.stringify({ host: '127.0.0.1', port: 9 });
      assert.equal((await send(`${agent.url}/servers/auth/backends`, 'POST', body, JSON_TYPE)).status, 401);
      assert.equal((await send(`${agent.url}/servers/auth/backends/${be.address}`, 'DELETE')).status, 401);
      assert.equal(agent.proxy?.server('auth')?.backends().length, 1, 'nothing changed without the token');
      assert.equal((await send(`${agent.url}/servers/auth/backends`, 'POST', body, { ...JSON_TYPE, ...bearer })).status, 201);
    } finally {
      await agent.close();
      await be.stop();
    }
  });
});
