/**
 * #14 review round 2: a reload that changes any health-check setting of a server (say `passes`)
 * marks every backend live at once (src/proxy/server.ts reconfigure: "with new ones each starts
 * live"), so a backend the checks know to be down takes new clients again until `fails` new
 * checks fail it — a reload of an unrelated setting sends clients to a dead backend.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Proxy } from '../../src/proxy/index.js';
import type { ProxyServerOptions } from '../../src/proxy/index.js';
import { startBackend, until } from '../helpers/backends.js';


describe('r14b a reload keeps what the health checks know', () => {
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const s of stops.reverse()) await s();
  });

  it('a backend that is down stays down when the reload changes only healthcheck.passes', async () => {
    const [a, b] = await Promise.all([startBackend('A', 'id'), startBackend('B', 'id')]);
    stops.push(() => a.stop());
    const proxy = new Proxy();
    stops.push(() => proxy.close());
    const opts = (passes: number): ProxyServerOptions => ({
      name: 'web',
      bind: '127.0.0.1:0',
      backends: [a.address, b.address],
      // slow checks after the first: what matters is the state right after the reload
      healthcheck: { kind: 'ping', interval: 60_000, timeout: 500, fails: 1, passes },
    });
    await b.stop();
    const server = await proxy.addServer(opts(1));
    const down = () => server.backends().find((x) => x.key === b.address);
    await until(() => down()?.live === false, 'B marked down by its first check');
    await proxy.reconfigure([opts(2)]);
    assert.equal(down()?.live, false, 'B, known down, was marked live by a reload that changed only `passes`');
  });
});
