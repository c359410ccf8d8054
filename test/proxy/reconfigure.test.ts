/** Proxy.reconfigure: servers and backends change live; what needs a new listener is reported. */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { Proxy } from '../../src/proxy/index.js';
import type { HealthCheckOptions } from '../../src/proxy/index.js';
import type { TestBackend } from '../helpers/backends.js';
import { closed as closedSocket, dial, readAll, startBackend, until } from '../helpers/backends.js';

const backends: TestBackend[] = [];
after(async () => {
  for (const b of backends) await b.stop();
});

/** Runs `body` with a new Proxy, closed after it whatever happens. */
async function withProxy(body: (proxy: Proxy) => Promise<void>): Promise<void> {
  const proxy = new Proxy();
  try {
    await body(proxy);
  } finally {
    await proxy.close();
  }
}

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

it('revive brings a draining backend back as the same object, its connection and totals with it', async () => {
  const a = await startBackend('A', 'hold');
  const b = await startBackend('B', 'id');
  backends.push(a, b);
  await withProxy(async (proxy) => {
    const web = await proxy.addServer({ name: 'web', bind: '127.0.0.1:0', backends: [a.address] });
    const held = await dial(web.boundAddress().port);
    held.write('hello');
    await a.receivedAtLeast(5);
    const first = web.backends()[0];
    await proxy.reconfigure([{ name: 'web', bind: '127.0.0.1:0', backends: [b.address] }]);
    assert.equal(first?.removed, true);
    // the check alone changes nothing, and refuses without revive
    assert.throws(() => proxy.check([{ name: 'web', bind: '127.0.0.1:0', backends: [a.address] }]), /still draining/);
    proxy.check([{ name: 'web', bind: '127.0.0.1:0', backends: [a.address] }], { revive: true });
    assert.deepEqual(web.backends().map((x) => x.key), [b.address]);
    await proxy.reconfigure([{ name: 'web', bind: '127.0.0.1:0', backends: [{ host: '127.0.0.1', port: a.port, weight: 3 }] }], 0, { revive: true });
    const back = web.backends()[0];
    assert.equal(back, first, 'the same Backend object, not a new one under the same label set');
    assert.equal(back?.removed, false);
    assert.equal(back?.weight, 3);
    assert.equal(back?.active, 1);
    held.end();
    await closedSocket(held);
    await until(() => back?.active === 0, 'the held connection closed');
    // still in the list and counted: its end did not unpublish it
    assert.deepEqual(web.backends().map((x) => x.key), [a.address]);
    assert.ok((back?.tx ?? 0) >= 5, `tx ${String(back?.tx)} kept the bytes of the connection from before`);
  });
});

it('a revived backend that was down while checked is live once the checks are dropped', async () => {
  const down = await startBackend('D', 'hold');
  backends.push(down);
  const web = (list: string[], healthcheck?: HealthCheckOptions) => ({ name: 'web', bind: '127.0.0.1:0', backends: list, healthcheck });
  await withProxy(async (proxy) => {
    const server = await proxy.addServer(web([down.address]));
    const held = await dial(server.boundAddress().port);
    held.write('x');
    await down.receivedAtLeast(1);
    const d = server.backends()[0];
    // a check that always fails marks it down while its connection stays open
    const failing: HealthCheckOptions = { kind: 'exec', command: process.execPath, args: ['-e', 'process.exit(1)'], interval: 60_000, timeout: 5000 };
    await proxy.reconfigure([web([down.address], failing)]);
    await until(() => d?.live === false, 'the failing check marked it down');
    await proxy.reconfigure([web([], failing)]);
    await proxy.reconfigure([web([])]);
    await proxy.reconfigure([web([down.address])], 0, { revive: true });
    assert.equal(server.backends()[0], d);
    assert.equal(d?.live, true);
    held.destroy();
  });
});

it('new health-check settings keep each backend\'s state and streak; the new checker takes over', async () => {
  const up = await startBackend('U', 'id');
  backends.push(up);
  await withProxy(async (proxy) => {
    const check = (passes: number) => ({ kind: 'ping', interval: 60_000, timeout: 500, fails: 3, passes }) as const;
    const web = await proxy.addServer({ name: 'web', bind: '127.0.0.1:0', backends: [up.address], healthcheck: check(1) });
    const u = web.backends()[0];
    await until(() => (u?.streak ?? 0) === 1, 'the first check passed');
    await proxy.reconfigure([{ name: 'web', bind: '127.0.0.1:0', backends: [up.address], healthcheck: check(2) }]);
    // the new checker checks at once and counts on from what the old one knew
    await until(() => (u?.streak ?? 0) === 2, 'the new checker ran and kept the streak');
    assert.equal(u?.live, true);
    assert.equal(web.settings.healthcheck?.passes, 2);
  });
});

it('a closed proxy starts and changes no servers (coded error)', async () => {
  const proxy = new Proxy();
  await proxy.addServer({ name: 'web', bind: '127.0.0.1:0', backends: ['127.0.0.1:9'] });
  await proxy.close();
  await assert.rejects(proxy.addServer({ name: 'api', bind: '127.0.0.1:0', backends: ['127.0.0.1:9'] }), { code: 'ERR_METERKIT_PROXY_CLOSED' });
  await assert.rejects(proxy.reconfigure([{ name: 'web', bind: '127.0.0.1:0', backends: ['127.0.0.1:10'] }]), { code: 'ERR_METERKIT_PROXY_CLOSED' });
  const web = proxy.server('web');
  assert.ok(web);
  await assert.rejects(web.reconfigure({ ...web.settings, backends: [] }), { code: 'ERR_METERKIT_PROXY_CLOSED' });
  assert.equal(proxy.server('api'), undefined);
});

it('a close() while a new server binds stops that server too', async () => {
  const proxy = new Proxy();
  const adding = proxy.addServer({ name: 'late', bind: '127.0.0.1:0', backends: ['127.0.0.1:9'] });
  await proxy.close();
  await assert.rejects(adding, { code: 'ERR_METERKIT_PROXY_CLOSED' });
  assert.equal(proxy.server('late'), undefined);
});
