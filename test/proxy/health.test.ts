/**
 * Health checks over real sockets and a real script: backends flip down after `fails`
 * consecutive failures and back after `passes` passes, down ones get no clients, and the
 * flips show in the metrics.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Registry } from '../../src/core/registry.js';
import { render } from '../../src/prometheus/index.js';
import { Proxy, ProxyServer, checkServerOptions } from '../../src/proxy/index.js';
import type { Backend, HealthCheckOptions, ProxyServerOptions } from '../../src/proxy/index.js';
import type { TestBackend } from '../helpers/backends.js';
import { dialTurnedAway, readAll, sampleValue, startBackend, until } from '../helpers/backends.js';
import { tempDir } from '../helpers/tools.js';

/** One health check result or flip, as the server reported it. */
type Event = { key: string; at: number } & ({ type: 'check'; ok: boolean } | { type: 'flip'; live: boolean });

/** A server with every health event logged in order (the Proxy publishes the same events as metrics). */
function loggedServer(options: ProxyServerOptions): { server: ProxyServer; log: Event[] } {
  const log: Event[] = [];
  const server = new ProxyServer(
    checkServerOptions(options),
    {
      rejected: () => undefined,
      backendGone: () => undefined,
      liveChanged: (_s, b) => log.push({ key: b.key, at: Date.now(), type: 'flip', live: b.live }),
      checked: (_s, b, ok) => log.push({ key: b.key, at: Date.now(), type: 'check', ok }),
    },
    5000,
  );
  return { server, log };
}

/** The results of `key` in `log` from index `from` up to (not including) its first flip to `live`; and that flip. */
function untilFlip(log: readonly Event[], key: string, from: number, live: boolean): { results: boolean[]; flip: Event | undefined } {
  const results: boolean[] = [];
  for (const e of log.slice(from)) {
    if (e.key !== key) continue;
    if (e.type === 'flip') {
      assert.equal(e.live, live, `${key} flipped the wrong way`);
      return { results, flip: e };
    }
    results.push(e.ok);
  }
  return { results, flip: undefined };
}

/** Which backend id each of `n` new clients reached. */
async function ids(port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await readAll(port));
  return out;
}

describe('proxy health checks', () => {
  const servers: ProxyServer[] = [];
  const proxies: Proxy[] = [];
  const backends: TestBackend[] = [];
  const cleanups: Array<() => void> = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(backends.map((b) => b.stop()));
    for (const c of cleanups) c();
  });

  it('ping: a stopped backend is down after `fails` failures and skipped; restarted, it is back after `passes`', async () => {
    const [b0, b1] = await Promise.all([startBackend('b0', 'id'), startBackend('b1', 'id')]);
    assert.ok(b0 !== undefined && b1 !== undefined);
    backends.push(b0, b1);
    const interval = 50;
    const fails = 3;
    const passes = 2;
    const { server, log } = loggedServer({
      name: 'ping',
      bind: '127.0.0.1:0',
      backends: [b0.address, b1.address],
      strategy: 'roundrobin',
      healthcheck: { kind: 'ping', interval, timeout: 1000, fails, passes },
    });
    servers.push(server);
    const port = (await server.listen()).port;
    await until(() => log.filter((e) => e.key === b0.address && e.type === 'check').length >= 2, 'two checks of b0');
    assert.ok(log.every((e) => e.type === 'check' && e.ok), 'a running backend passes');
    assert.deepEqual((await ids(port, 4)).sort(), ['b0', 'b0', 'b1', 'b1']);

    const from = log.length;
    const stoppedAt = Date.now();
    await b0.stop();
    const live0 = (): boolean => (server.backends().find((b) => b.key === b0.address) as Backend).live;
    await until(() => !live0(), 'b0 to be marked down');
    const down = untilFlip(log, b0.address, from, false);
    // a check under way when the backend stopped may still have passed: only the last `fails` count
    assert.deepEqual(down.results.slice(-fails), Array<boolean>(fails).fill(false), 'down after exactly `fails` consecutive failures');
    assert.ok(down.results.slice(0, -fails).every((ok) => ok), `no failure before the last ${fails}: ${JSON.stringify(down.results)}`);
    const took = (down.flip as Event).at - stoppedAt;
    // checks are `interval` apart, so `fails` failures take at least (fails − 1) intervals; the
    // upper bound is fails × interval plus generous slack for a loaded machine
    assert.ok(took >= (fails - 1) * interval - 5, `down after ${took} ms: too soon for ${fails} checks ${interval} ms apart`);
    assert.ok(took <= fails * interval + 5000, `down after ${took} ms`);
    assert.deepEqual(await ids(port, 6), Array<string>(6).fill('b1'), 'new clients skip the down backend');

    const before = log.length;
    await b0.restart();
    await until(live0, 'b0 to be marked live again');
    const up = untilFlip(log, b0.address, before, true);
    assert.deepEqual(up.results.slice(-passes), Array<boolean>(passes).fill(true), 'live after exactly `passes` passes');
    assert.ok(up.results.slice(0, -passes).every((ok) => !ok), `no pass before the last ${passes}: ${JSON.stringify(up.results)}`);
    assert.deepEqual((await ids(port, 4)).sort(), ['b0', 'b0', 'b1', 'b1'], 'the backend takes clients again');
  });

  it('when every backend is down, clients are turned away and counted', async () => {
    const b = await startBackend('only', 'id');
    await b.stop();
    const proxy = new Proxy();
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 'none', bind: '127.0.0.1:0', backends: [b.address], healthcheck: { kind: 'ping', interval: 50, fails: 1 } });
    await until(() => server.backends()[0]?.live === false, 'the backend to be marked down');
    assert.equal(await dialTurnedAway(server.boundAddress().port), 'reset');
    assert.equal(server.rejected.no_backend, 1);
    assert.equal(server.backends()[0]?.refusedConnections, 0, 'no connection was tried');
  });

  it('probe: a reply matching the string or the /regex/ passes; garbage, silence or a close fails', async () => {
    const pong = await startBackend('pong', { answer: 'PONG\r\n' });
    const garbage = await startBackend('garbage', { answer: 'HELLO\r\n' });
    const silent = await startBackend('silent', 'hold');
    const closing = await startBackend('closing', 'id');
    backends.push(pong, garbage, silent, closing);
    const all = [pong, garbage, silent, closing];
    const checks: HealthCheckOptions[] = [
      { kind: 'probe', send: 'PING\r\n', expect: 'PONG', interval: 50, timeout: 300, fails: 1 },
      { kind: 'probe', send: 'PING\r\n', expect: /^PO+NG\r\n$/, interval: 50, timeout: 300, fails: 1 },
    ];
    for (const healthcheck of checks) {
      const { server, log } = loggedServer({ name: 'probe', bind: '127.0.0.1:0', backends: all.map((b) => b.address), healthcheck });
      servers.push(server);
      await server.listen();
      const results = (key: string): boolean[] => log.filter((e) => e.key === key && e.type === 'check').map((e) => (e.type === 'check' ? e.ok : false));
      await until(() => all.every((b) => results(b.address).length >= 2), `two probes of each backend (${String(healthcheck.kind === 'probe' && healthcheck.expect)})`);
      const live = Object.fromEntries(server.backends().map((b) => [b.key, b.live]));
      assert.deepEqual(live, { [pong.address]: true, [garbage.address]: false, [silent.address]: false, [closing.address]: false });
      assert.ok(results(pong.address).every((ok) => ok), 'PONG passes every probe');
      for (const b of [garbage, silent, closing]) assert.ok(results(b.address).every((ok) => !ok), `${b.id} fails every probe`);
      await server.close();
    }
  });

  it('exec: runs the command with its args then host and port; exit 0 is healthy', async () => {
    const { dir, remove } = tempDir('health-exec');
    cleanups.push(remove);
    const script = join(dir, 'check.sh');
    const healthy = join(dir, 'healthy');
    const args = join(dir, 'args');
    writeFileSync(script, `#!/bin/sh\necho "$@" >> '${args}'\ntest -f '${healthy}'\n`);
    chmodSync(script, 0o755);
    writeFileSync(healthy, '');
    const b = await startBackend('e', 'id');
    backends.push(b);
    const registry = new Registry();
    const proxy = new Proxy({ metrics: registry });
    proxies.push(proxy);
    const server = await proxy.addServer({
      name: 'exec',
      bind: '127.0.0.1:0',
      backends: [b.address],
      healthcheck: { kind: 'exec', command: script, args: ['--mode', 'strict'], interval: 50, timeout: 5000, fails: 2, passes: 1 },
    });
    const labels = { server: 'exec', backend: b.address };
    const checks = (result: string): number => sampleValue(render(registry), 'meterkit_proxy_health_checks_total', { ...labels, result }) ?? 0;
    const up = (): number | undefined => sampleValue(render(registry), 'meterkit_proxy_backend_up', labels);
    await until(() => checks('pass') >= 2, 'two passing checks');
    assert.equal(up(), 1);
    const lines = readFileSync(args, 'utf8').trim().split('\n');
    assert.ok(lines.every((l) => l === `--mode strict 127.0.0.1 ${b.port}`), `the script's arguments: ${JSON.stringify(lines)}`);

    rmSync(healthy);
    await until(() => server.backends()[0]?.live === false, 'the backend to be marked down');
    assert.equal(up(), 0, 'the flip is published at once');
    assert.ok(checks('fail') >= 2, 'at least `fails` failures counted');
    writeFileSync(healthy, '');
    await until(() => server.backends()[0]?.live === true, 'the backend to be marked live');
    assert.equal(up(), 1);
    assert.equal(await readAll(server.boundAddress().port), 'e');
  });

  it('ping flips show in both namings: meterkit_proxy_backend_up and gobetween_backend_live', async () => {
    for (const naming of ['meterkit', 'gobetween'] as const) {
      const b = await startBackend('m', 'id');
      backends.push(b);
      const registry = new Registry();
      const proxy = new Proxy({ metrics: registry, naming });
      proxies.push(proxy);
      const server = await proxy.addServer({ name: 'flip', bind: '127.0.0.1:0', backends: [b.address], healthcheck: { kind: 'ping', interval: 50, fails: 1, passes: 1 } });
      const value = (): number | undefined =>
        naming === 'meterkit'
          ? sampleValue(render(registry), 'meterkit_proxy_backend_up', { server: 'flip', backend: b.address })
          : sampleValue(render(registry), 'gobetween_backend_live', { server: 'flip', host: '127.0.0.1', port: String(b.port) });
      assert.equal(value(), 1);
      await b.stop();
      await until(() => server.backends()[0]?.live === false, 'down');
      assert.equal(value(), 0, `${naming}: down is published at once, not at the next tick`);
      await b.restart();
      await until(() => server.backends()[0]?.live === true, 'up');
      assert.equal(value(), 1, `${naming}: up is published at once`);
      if (naming === 'meterkit') {
        const text = render(registry);
        for (const result of ['pass', 'fail']) assert.ok((sampleValue(text, 'meterkit_proxy_health_checks_total', { server: 'flip', backend: b.address, result }) ?? 0) >= 1, result);
      }
    }
  });
});
