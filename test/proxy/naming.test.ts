/**
 * The proxy's metric names: gobetween's exact names, labels and types in `gobetween` naming,
 * Prometheus conventions in `meterkit` naming; both valid for promtool; a removed server
 * leaves nothing behind in either.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { Registry } from '../../src/core/registry.js';
import { render } from '../../src/prometheus/index.js';
import { PROXY_BACKEND_METRICS, PROXY_SERVER_METRICS, Proxy } from '../../src/proxy/index.js';
import type { ProxyNaming } from '../../src/proxy/index.js';
import type { TestBackend } from '../helpers/backends.js';
import { closed, dial, dialTurnedAway, startBackend, until } from '../helpers/backends.js';
import { needs } from '../helpers/tools.js';
import { promtoolCheck } from '../helpers/validate.js';

const GB_SERVER = ['gobetween_server_count', 'gobetween_server_active_connections', 'gobetween_server_rx_total', 'gobetween_server_tx_total', 'gobetween_server_rx_second', 'gobetween_server_tx_second'];
const GB_BACKEND = [
  'gobetween_backend_active_connections',
  'gobetween_backend_refused_connections',
  'gobetween_backend_total_connections',
  'gobetween_backend_rx_bytes',
  'gobetween_backend_tx_bytes',
  'gobetween_backend_rx_second',
  'gobetween_backend_tx_second',
  'gobetween_backend_live',
];

/** Every sample line of `text`: name, label names (sorted) and labels. */
function samples(text: string): Array<{ name: string; labelNames: string[]; labels: Record<string, string>; value: number }> {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k as string] = v as string;
    out.push({ name: m[1] as string, labelNames: Object.keys(labels).sort(), labels, value: Number(m[3]) });
  }
  return out;
}

/** `# TYPE` of every family in `text`. */
function types(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

describe('proxy metric naming', () => {
  const proxies: Proxy[] = [];
  const backends: TestBackend[] = [];
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(backends.map((b) => b.stop()));
  });

  /** A proxy with two servers (one with health checks), real traffic through each, a refused and a rejected client. */
  async function busy(naming: ProxyNaming): Promise<{ registry: Registry; proxy: Proxy; up: TestBackend }> {
    const up = await startBackend('up', { replyBytes: 777 });
    const dead = await startBackend('dead', 'hold');
    await dead.stop();
    backends.push(up);
    const registry = new Registry();
    const proxy = new Proxy({ metrics: registry, naming, version: '9.8.7' });
    proxies.push(proxy);
    const one = await proxy.addServer({ name: 'one', bind: '127.0.0.1:0', backends: [up.address, dead.address], strategy: 'roundrobin', healthcheck: { kind: 'ping', interval: 60_000 } });
    const two = await proxy.addServer({ name: 'two', bind: '127.0.0.1:0', backends: [up.address], maxConnections: 1 });
    await until(() => one.backends().every((b) => b.streak !== 0), 'the first health checks');
    for (const server of [one, two]) {
      const s = await dial(server.boundAddress().port);
      s.resume();
      s.end(randomBytes(1234));
      await once(s, 'end');
      await closed(s);
    }
    const held = await dial(two.boundAddress().port);
    await until(() => two.backends()[0]?.totalConnections === 2, 'the held client to reach its backend');
    assert.equal(await dialTurnedAway(two.boundAddress().port), 'reset');
    // a reset: the backend gets no end, so it sends no reply and the totals stay those of one exchange
    held.resetAndDestroy();
    await until(() => one.activeClients() === 0 && two.activeClients() === 0, 'every connection to close');
    proxy.tick();
    return { registry, proxy, up };
  }

  it("gobetween: exactly gobetween's names, label sets and types (every one a gauge), and gobetween_build_info", async () => {
    const { registry, up } = await busy('gobetween');
    const text = render(registry);
    const all = samples(text);
    const names = new Set(all.map((s) => s.name));
    assert.deepEqual([...names].sort(), [...GB_SERVER, ...GB_BACKEND, 'gobetween_build_info'].sort());
    for (const [name, type] of types(text)) assert.equal(type, 'gauge', `${name} is a gauge`);
    for (const s of all) {
      if (GB_SERVER.includes(s.name)) assert.deepEqual(s.labelNames, ['server'], s.name);
      else if (GB_BACKEND.includes(s.name)) assert.deepEqual(s.labelNames, ['host', 'port', 'server'], s.name);
    }
    const info = all.filter((s) => s.name === 'gobetween_build_info');
    assert.equal(info.length, 1);
    assert.deepEqual(info[0]?.labelNames, ['branch', 'goversion', 'revision', 'version']);
    assert.equal(info[0]?.labels.version, '9.8.7');
    assert.equal(info[0]?.value, 1);
    const v = (name: string, labels: Record<string, string>): number | undefined =>
      all.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()))?.value;
    const upOne = { server: 'one', host: '127.0.0.1', port: String(up.port) };
    assert.equal(v('gobetween_backend_tx_bytes', upOne), 1234);
    assert.equal(v('gobetween_backend_rx_bytes', upOne), 777);
    assert.equal(v('gobetween_backend_total_connections', upOne), 1);
    assert.equal(v('gobetween_backend_live', upOne), 1);
    assert.equal(v('gobetween_server_count', { server: 'one' }), 2);
    assert.equal(v('gobetween_server_rx_total', { server: 'two' }), 777);
    assert.equal(v('gobetween_server_tx_total', { server: 'two' }), 1234);
    assert.equal(v('gobetween_server_active_connections', { server: 'two' }), 0);
  });

  it('meterkit: counters for totals, gauges for the rest, labels {server} and {server, backend}', async () => {
    const { registry, up } = await busy('meterkit');
    const text = render(registry);
    const t = types(text);
    for (const [name, kind] of [...Object.values(PROXY_BACKEND_METRICS), ...Object.values(PROXY_SERVER_METRICS)]) {
      const family = kind === 'counter' ? name.replace(/_total$/, '') : name;
      assert.equal(t.get(family) ?? t.get(name), kind, name);
    }
    for (const s of samples(text)) {
      const backend = Object.values(PROXY_BACKEND_METRICS).some(([n]) => n === s.name);
      if (s.name === PROXY_BACKEND_METRICS.checks[0]) assert.deepEqual(s.labelNames, ['backend', 'result', 'server']);
      else if (s.name === PROXY_SERVER_METRICS.rejected[0]) assert.deepEqual(s.labelNames, ['reason', 'server']);
      else if (backend) assert.deepEqual(s.labelNames, ['backend', 'server'], s.name);
      else assert.deepEqual(s.labelNames, ['server'], s.name);
    }
    const all = samples(text);
    const get = (name: string, labels: Record<string, string>): number | undefined => all.find((s) => s.name === name && Object.entries(labels).every(([k, x]) => s.labels[k] === x))?.value;
    assert.equal(get('meterkit_proxy_tx_bytes_total', { server: 'two', backend: up.address }), 1234);
    assert.equal(get('meterkit_proxy_rx_bytes_total', { server: 'two', backend: up.address }), 777);
    assert.equal(get('meterkit_proxy_rejected_connections_total', { server: 'two', reason: 'max_connections' }), 1);
    assert.equal(get('meterkit_proxy_refused_connections_total', { server: 'one', backend: up.address }), 0);
  });

  for (const naming of ['meterkit', 'gobetween'] as const) {
    it(`${naming} naming passes promtool`, { ...needs('promtool') }, async () => {
      const { registry } = await busy(naming);
      const remarks = await promtoolCheck(render(registry));
      // gobetween's own names (gauges ending in _total, and gobetween_server_count), kept on purpose for its dashboards
      const allowed = naming === 'gobetween' ? /non-counter metrics should not have "_total" suffix|^gobetween_server_count non-histogram and non-summary metrics should not have "_count" suffix$/ : /^$/;
      assert.ok(remarks.every((r) => allowed.test(r)), remarks.join('\n'));
    });

    it(`${naming}: a removed server unpublishes every one of its series`, async () => {
      const { registry, proxy } = await busy(naming);
      assert.ok(render(registry).includes('server="one"'));
      assert.equal(await proxy.removeServer('one'), true);
      proxy.tick();
      const text = render(registry);
      const left = text.split('\n').filter((l) => l.includes('server="one"'));
      assert.deepEqual(left, [], 'no series of the removed server');
      assert.ok(text.includes('server="two"'), 'the other server stays');
      assert.equal(await proxy.removeServer('one'), false);
    });
  }
});
