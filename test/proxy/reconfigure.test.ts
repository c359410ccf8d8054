/** Proxy.reconfigure: servers and backends change live; what needs a new listener is reported. */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { Proxy } from '../../src/proxy/index.js';
import type { TestBackend } from '../helpers/backends.js';
import { dial, readAll, startBackend, until } from '../helpers/backends.js';

const backends: TestBackend[] = [];
after(async () => {
  for (const b of backends) await b.stop();
});

it('adds, removes and re-weights without touching open connections', async () => {
  const a = await startBackend('A', 'hold');
  const b = await startBackend('B', 'id');
  backends.push(a, b);
  const proxy = new Proxy();
  try {
    await proxy.addServer({ name: 'web', bind: '127.0.0.1:0', backends: [a.address] });
    const web = proxy.server('web');
    assert.ok(web);
    const port = web.boundAddress().port;
    const held = await dial(port);
    held.write('hello');
    await a.receivedAtLeast(5);
    const restart = await proxy.reconfigure([
      { name: 'web', bind: '127.0.0.1:1', backends: [{ host: '127.0.0.1', port: b.port, weight: 5 }], healthcheck: { kind: 'ping', interval: 60_000 } },
      { name: 'api', bind: '127.0.0.1:0', backends: [b.address] },
    ]);
    assert.deepEqual(restart, ['server "web": bind']);
    assert.equal(web.boundAddress().port, port);
    assert.deepEqual(web.backends().map((x) => [x.key, x.weight]), [[b.address, 5]]);
    assert.equal(web.settings.healthcheck?.kind, 'ping');
    assert.equal(await readAll(port), 'B');
    assert.equal(await readAll(proxy.server('api')?.boundAddress().port ?? 0), 'B');
    held.write('world');
    await a.receivedAtLeast(10);
    // A is still draining: adding it back is refused and nothing changes
    await assert.rejects(proxy.reconfigure([{ name: 'web', bind: '127.0.0.1:0', backends: [a.address] }]), /still draining/);
    assert.deepEqual(web.backends().map((x) => x.key), [b.address]);
    held.end();
    await proxy.reconfigure([{ name: 'api', bind: '127.0.0.1:0', backends: [b.address] }]);
    assert.deepEqual(proxy.servers().map((s) => s.name), ['api']);
  } finally {
    await proxy.close();
  }
});

it('dropping the health checks makes a dead backend live again, and says so', async () => {
  const gone = await startBackend('G', 'id');
  await gone.stop();
  const changes: string[] = [];
  const proxy = new Proxy({ onLiveChange: (_s, b) => changes.push(`${b.key} ${b.live ? 'live' : 'dead'}`) });
  try {
    const web = await proxy.addServer({ name: 'web', bind: '127.0.0.1:0', backends: [gone.address], healthcheck: { kind: 'ping', interval: 60_000 } });
    await until(() => web.backends()[0]?.live === false, 'the backend marked dead');
    await proxy.reconfigure([{ name: 'web', bind: '127.0.0.1:0', backends: [gone.address] }]);
    assert.equal(web.backends()[0]?.live, true);
    assert.deepEqual(changes, [`${gone.address} dead`, `${gone.address} live`]);
  } finally {
    await proxy.close();
  }
});
