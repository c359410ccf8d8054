import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { Proxy } from '../../src/proxy/index.js';
import type { ProxyServer } from '../../src/proxy/index.js';
import type { TestBackend } from '../helpers/backends.js';
import { closed, dial, dialTurnedAway, startBackend, until } from '../helpers/backends.js';

/** Sends `out` and half-closes, reads the reply until the end; resolves with the reply length. */
async function exchange(port: number, out: Buffer): Promise<number> {
  const s = await dial(port);
  let got = 0;
  s.on('data', (d: Buffer) => {
    got += d.length;
  });
  s.end(out);
  await once(s, 'end');
  await once(s, 'close');
  return got;
}

describe('proxy accounting is byte-exact on every close path', () => {
  const proxies: Proxy[] = [];
  const backends: TestBackend[] = [];
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(backends.map((b) => b.stop()));
  });
  async function one(replyBytes: number): Promise<{ server: ProxyServer; backend: TestBackend; port: number }> {
    const backend = await startBackend('b', { replyBytes });
    backends.push(backend);
    const proxy = new Proxy();
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 'acc', bind: '127.0.0.1:0', backends: [backend.address] });
    return { server, backend, port: server.boundAddress().port };
  }

  it('counts random payloads from 1 B to 64 MB each way, with half-close', async () => {
    const sizes: Array<[number, number]> = [
      [1, 1],
      [1000, 7],
      [65_543, 1_000_003],
      [3_000_000, 64 * 1024 * 1024],
      [64 * 1024 * 1024, 12_345],
    ];
    for (const [up, down] of sizes) {
      const { server, backend, port } = await one(down);
      const got = await exchange(port, randomBytes(up));
      assert.equal(got, down, 'the client received the whole reply');
      assert.equal(backend.received, up, 'the backend received the whole request');
      await until(() => server.activeClients() === 0, 'the connection to close at the proxy');
      const [b] = server.backends();
      assert.equal(b?.tx, up, `tx (client → backend) for ${up} B`);
      assert.equal(b?.rx, down, `rx (backend → client) for ${down} B`);
      assert.equal(b?.totalConnections, 1);
      assert.equal(b?.active, 0);
    }
  });

  it('counts what was delivered before a client reset, and resets the backend', async () => {
    const { server, backend, port } = await one(0);
    const s = await dial(port);
    const k = 123_457;
    s.write(randomBytes(k));
    await backend.receivedAtLeast(k);
    const [bs] = [...backend.sockets];
    assert.ok(bs !== undefined);
    const backendClosed = closed(bs);
    s.resetAndDestroy();
    await backendClosed;
    await until(() => server.activeClients() === 0, 'the proxy to close both sides');
    assert.equal(server.backends()[0]?.tx, k);
    assert.equal(server.backends()[0]?.rx, 0);
  });

  it('folds open connections in on each tick, so totals move while a transfer runs', async () => {
    const backend = await startBackend('t', 'hold');
    backends.push(backend);
    const proxy = new Proxy({ tick: 60_000 });
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 'tick', bind: '127.0.0.1:0', backends: [backend.address] });
    const s = await dial(server.boundAddress().port);
    s.write(randomBytes(5000));
    await backend.receivedAtLeast(5000);
    proxy.tick();
    assert.equal(server.backends()[0]?.tx, 5000);
    s.write(randomBytes(2000));
    await backend.receivedAtLeast(7000);
    proxy.tick();
    assert.equal(server.backends()[0]?.tx, 7000, 'the second tick adds only the new bytes');
    s.destroy();
    await until(() => server.activeClients() === 0, 'the connection to close');
    assert.equal(server.backends()[0]?.tx, 7000, 'closing adds nothing twice');
  });

  it('counts a refused backend, a proxy with none live, and the connection cap', async () => {
    const dead = await startBackend('dead', 'hold');
    await dead.stop();
    const proxy = new Proxy();
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 'ref', bind: '127.0.0.1:0', backends: [dead.address], maxConnections: 1 });
    const port = server.boundAddress().port;
    const s = await dial(port);
    await closed(s);
    await until(() => server.backends()[0]?.refusedConnections === 1, 'the refused connection to be counted');
    assert.equal(server.backends()[0]?.totalConnections, 0);
    const b = server.backends()[0];
    assert.ok(b !== undefined);
    b.live = false;
    assert.equal(await dialTurnedAway(port), 'reset');
    assert.equal(server.rejected.no_backend, 1);
    b.live = true;
    await dead.restart();
    backends.push(dead);
    const held = await dial(port);
    await until(() => server.backends()[0]?.totalConnections === 1, 'the first client to reach the backend');
    assert.equal(await dialTurnedAway(port), 'reset');
    assert.equal(server.rejected.max_connections, 1);
    held.destroy();
  });
});
