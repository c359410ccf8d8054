/**
 * Issue #10: a proxied connection whose backend was still connecting was never let go. The
 * proxy reset both sides with `resetAndDestroy()`, which on a socket still connecting waits
 * for the connect to finish — with a backend that never answers, until the kernel gives up
 * (about two minutes on Linux). So the connect timeout closed the client but kept the backend
 * socket, the connection, its `active` count and its max-connections slot, and counted the
 * refusal only minutes later; a client that left while its backend was connecting did the same.
 * And such a client was counted as refused by the backend, which had refused nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Proxy } from '../../src/proxy/index.js';
import type { Stalled } from '../helpers/backends.js';
import { closed, dial, stalledListener, until } from '../helpers/backends.js';

describe('regression: a backend connect that hangs does not hold the connection', () => {
  let stalled: Stalled;
  const proxies: Proxy[] = [];
  before(async () => {
    stalled = await stalledListener();
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    stalled.close();
  });

  it('the connect timeout lets go of both sides at once and counts the refusal', async () => {
    const proxy = new Proxy();
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 'ct', bind: '127.0.0.1:0', backends: [`127.0.0.1:${stalled.port}`], connectTimeout: 100, maxConnections: 1 });
    await closed(await dial(server.boundAddress().port));
    await until(() => server.activeClients() === 0, 'the proxy to let go of the connection', 5000);
    const b = server.backends()[0];
    assert.equal(b?.active, 0);
    assert.equal(b?.refusedConnections, 1);
    // the max-connections slot is free again: the next client reaches the backend's turn (and times out too)
    const next = await dial(server.boundAddress().port);
    await closed(next);
    await until(() => b?.refusedConnections === 2, 'the second connect to time out', 5000);
    assert.equal(server.rejected.max_connections, 0);
  });

  it('a client that leaves while its backend is connecting is let go at once, and is no refusal', async () => {
    const proxy = new Proxy();
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 'gone', bind: '127.0.0.1:0', backends: [`127.0.0.1:${stalled.port}`], connectTimeout: 600_000 });
    const s = await dial(server.boundAddress().port);
    await until(() => server.activeClients() === 1, 'the proxy to take the client');
    s.resetAndDestroy();
    await until(() => server.activeClients() === 0, 'the proxy to let go of the connection', 5000);
    assert.equal(server.backends()[0]?.refusedConnections, 0, 'the backend refused nothing');
    assert.equal(server.backends()[0]?.totalConnections, 0);
  });
});
