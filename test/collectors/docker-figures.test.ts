import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { DockerCollector, collectDockerMetrics, containerFacts, displayName, healthState, resolveDockerUrl, resourceFigures, runningState, startTimeSeconds } from '../../src/collectors/docker/index.js';
import type { ContainerStats } from '../../src/collectors/docker/index.js';
import { BASE_ROUTES, fakeEngine, json } from '../helpers/podman.js';

// Captured shapes (trimmed): Docker 24 on cgroup v1 with stream=true, Docker on cgroup v2
// with one-shot, and Podman 4.3's compat API.
const DOCKER_V1: ContainerStats = {
  cpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 100_000_000_000, online_cpus: 4 },
  precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 98_000_000_000, online_cpus: 4 },
  memory_stats: { usage: 50_000_000, limit: 2_000_000_000, stats: { total_inactive_file: 10_000_000, cache: 12_000_000 } },
  networks: { eth0: { rx_bytes: 1000, tx_bytes: 2000 }, eth1: { rx_bytes: 5, tx_bytes: 7 } },
  blkio_stats: {
    io_service_bytes_recursive: [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 8192 },
      { major: 8, minor: 0, op: 'Sync', value: 100 },
      { major: 8, minor: 0, op: 'Total', value: 12288 },
      { major: 8, minor: 16, op: 'Read', value: 1 },
    ],
  },
};
const DOCKER_V2_ONESHOT: ContainerStats = {
  cpu_stats: { cpu_usage: { total_usage: 5_000 }, system_cpu_usage: 10_000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 0 }, system_cpu_usage: 0 },
  memory_stats: { usage: 30_000_000, limit: 1_000_000_000, stats: { inactive_file: 4_000_000, anon: 20_000_000 } },
  networks: { eth0: { rx_bytes: 10, tx_bytes: 20 } },
  blkio_stats: { io_service_bytes_recursive: [{ major: 254, minor: 0, op: 'read', value: 10 }, { major: 254, minor: 0, op: 'write', value: 20 }] },
};
const PODMAN: ContainerStats = {
  cpu_stats: { cpu_usage: { total_usage: 586_600_506 }, system_cpu_usage: 542_621_141_582, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 0 } },
  memory_stats: { usage: 274_432, limit: 25_276_502_016 },
  networks: { network: { rx_bytes: 382, tx_bytes: 1470 } },
  blkio_stats: { io_service_bytes_recursive: [{ major: 254, minor: 0, op: 'read', value: 4096 }, { major: 254, minor: 0, op: 'discard', value: 9 }] },
};

describe('Docker figures from captured responses', () => {
  it('Docker cgroup v1: CPU rate from precpu_stats, working set minus total_inactive_file, blkio by device', () => {
    const f = resourceFigures(DOCKER_V1);
    assert.equal(f.cpuCores, 2); // 1e9 of 2e9 system ns × 4 cpus
    assert.equal(f.memoryUsage, 50_000_000);
    assert.equal(f.memoryWorkingSet, 40_000_000);
    assert.equal(f.memoryLimit, 2_000_000_000);
    assert.equal(f.rxTotal, 1005);
    assert.equal(f.txTotal, 2007);
    assert.deepEqual(f.disks, [{ major: 8, minor: 0, read: 4096, write: 8192 }, { major: 8, minor: 16, read: 1, write: 0 }]);
    assert.equal(f.readTotal, 4097);
  });

  it('Docker cgroup v2 one-shot: empty precpu uses the kept sample; inactive_file', () => {
    assert.equal(resourceFigures(DOCKER_V2_ONESHOT).cpuCores, undefined);
    const f = resourceFigures(DOCKER_V2_ONESHOT, { total: 1_000, system: 2_000 });
    assert.equal(f.cpuCores, 1); // 4000 / 8000 × 2
    assert.equal(f.memoryWorkingSet, 26_000_000);
    assert.equal(f.writeTotal, 20);
  });

  it('Podman: no precpu, no memory stats, extra blkio ops ignored, null blkio and networks', () => {
    const first = resourceFigures(PODMAN);
    assert.equal(first.cpuCores, undefined);
    const next = resourceFigures({ ...PODMAN, cpu_stats: { cpu_usage: { total_usage: 1_586_600_506 }, system_cpu_usage: 544_621_141_582, online_cpus: 2 } }, { total: first.cpuTotal, system: first.cpuSystem });
    assert.equal(next.cpuCores, 1);
    assert.equal(first.memoryWorkingSet, 274_432);
    assert.equal(first.readTotal, 4096);
    assert.equal(first.writeTotal, 0);
    const bare = resourceFigures({ cpu_stats: null, memory_stats: null, networks: null, blkio_stats: { io_service_bytes_recursive: null } });
    assert.equal(bare.readTotal, 0);
    assert.equal(bare.rxTotal, 0);
    assert.equal(bare.memoryLimit, undefined);
  });

  it('decides the running state from State.Running, as docker_exporter; health and names', () => {
    const state = (State: unknown): number => runningState(containerFacts({ Id: 'x', State }));
    // Docker reports Running: true while a container restarts or is paused: docker_exporter says 1
    assert.equal(state({ Status: 'restarting', Running: true, Restarting: true }), 1);
    assert.equal(state({ Status: 'restarting', Running: false, Restarting: true }), 0.5);
    assert.equal(state({ Status: 'running', Running: true }), 1);
    assert.equal(state({ Status: 'exited', Running: false }), 0);
    assert.equal(state({ Status: 'paused', Running: true }), 1);
    assert.equal(state({ Running: true }), 1);
    assert.equal(state({ Status: 'paused' }), 1, 'no State.Running: derived from the status');
    const health = (Status: string | undefined): number => healthState(containerFacts({ Id: 'x', State: { Health: { Status } } }));
    assert.equal(health('healthy'), 1);
    assert.equal(health('starting'), 0.5);
    assert.equal(health('unhealthy'), 0);
    assert.equal(health(undefined), -1);
    assert.equal(displayName(['/web', '/alias'], 'abcdef1234567890'), 'web');
    assert.equal(displayName([], 'abcdef1234567890'), 'abcdef123456');
    assert.equal(displayName(null, 'abcdef1234567890'), 'abcdef123456');
    assert.throws(() => displayName([5], 'abcdef1234567890'), /Names\[0\] is 5, not a string/);
    assert.equal(startTimeSeconds('0001-01-01T00:00:00Z'), undefined);
    assert.equal(startTimeSeconds('2026-11-21T18:13:28.5Z'), Date.parse('2026-11-21T18:13:28.5Z') / 1000);
  });

  it('resolves the engine URL', () => {
    assert.deepEqual(resolveDockerUrl('unix:///run/x.sock').endpoint, { socketPath: '/run/x.sock' });
    assert.deepEqual(resolveDockerUrl(undefined, { DOCKER_HOST: 'tcp://10.0.0.1:2375' }).endpoint, { host: '10.0.0.1', port: 2375 });
    assert.throws(() => resolveDockerUrl('ftp://x'), /unix:\/\/\/path\/to\/docker.sock or tcp:\/\/host:port/);
    assert.throws(() => resolveDockerUrl('unix://'), /needs a socket path/);
  });
});

describe('Docker collector failure paths (fake engine)', () => {
  it('malformed JSON from the list is counted, never a crash, and unpublishes', async () => {
    const eng = await fakeEngine({ ...BASE_ROUTES, '/containers/json': json('[{"Id": "abc", broken') });
    const logs: string[] = [];
    try {
      const reg = new Registry();
      const dc = new DockerCollector(reg, { url: eng.url, log: (l) => logs.push(l) });
      await dc.update();
      await dc.update();
      assert.equal(reg.view(reg.counter('docker_probe_list_containers_failed_total')).value, 2);
      assert.equal(logs.length, 1, 'said once');
      assert.match(logs[0] as string, /unavailable \(GET \/containers\/json\?all=true answered malformed JSON\)/);
    } finally {
      await eng.remove();
    }
  });

  it('a container gone between list and inspect is normal; one failing only unpublishes itself', async () => {
    const inspect = (name: string) => json({ Id: name, Name: `/${name}`, RestartCount: 2, State: { Status: 'exited', Running: false } });
    const eng = await fakeEngine({
      '/_ping': (r) => r.end('OK'),
      '/version': json({ ApiVersion: '1.40' }),
      '/containers/json': json([{ Id: 'gone', Names: ['/gone'] }, { Id: 'good', Names: ['/good'] }, { Id: 'bad', Names: ['/bad'] }]),
      '/containers/good/json': inspect('good'),
      '/containers/bad/json': json({ message: 'boom' }, 500),
    });
    try {
      const reg = new Registry();
      const dc = new DockerCollector(reg, { url: eng.url, log: () => undefined });
      await dc.update();
      assert.equal(reg.view(reg.gauge('docker_container_restart_count', { name: 'good' })).value, 2);
      assert.equal(reg.view(reg.counter('docker_probe_container_failed_total', { name: 'bad' })).value, 1);
      assert.equal(reg.family('docker_probe_container_failed_total')?.seriesCount, 1, 'the vanished one is not a failure');
      let names: string[] = [];
      reg.family('docker_container_running_state')?.forEachSeries((_s, v) => names.push(v[0] as string));
      assert.deepEqual(names, ['good']);
      assert.equal(dc.trackedCount, 2, 'the vanished tracker is disposed');
      assert.equal(dc.client.calls.stats, 0, 'no stats for stopped containers');
      names = [];
    } finally {
      await eng.remove();
    }
  });

  it('answers after the inline timeout with the previous data, and abandons an update past the deadline', async () => {
    // the engine holds the list until the test lets it go; `held` resolves when the request arrives
    let arrived: (release: () => void) => void = () => undefined;
    const held = new Promise<() => void>((resolve) => (arrived = resolve));
    const eng = await fakeEngine({
      ...BASE_ROUTES,
      '/containers/json': (res) => arrived(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]')),
    });
    try {
      const reg = new Registry();
      const dc = collectDockerMetrics(reg, { url: eng.url, log: () => undefined });
      const scrapes = [reg.collect({ inlineTimeout: 30 }), reg.collect({ inlineTimeout: 30 })];
      await Promise.all(scrapes);
      assert.equal(reg.view(reg.counter('docker_probe_inline_timeouts_total')).value, 2, 'each scrape that stopped waiting counts');
      assert.equal(dc.client.calls.list, 1, 'the two scrapes share one update');
      assert.equal(reg.family('docker_probe_duration_seconds')?.seriesCount, 1);
      let probes = 0;
      reg.family('docker_probe_duration_seconds')?.forEachSeries((s) => (probes = (s as unknown as { count: number }).count));
      assert.equal(probes, 0, 'the update is still running in the background');
      (await held)();
      await reg.collect(); // joins or starts a fresh one and finishes in time
      assert.equal(reg.view(reg.gauge('docker_containers')).value, 0);
      assert.ok(reg.view(reg.gauge('docker_probe_successfully_completed_time')).value > 0);
      await dc.close();

      const late = new DockerCollector(new Registry(), { url: eng.url, deadline: 50, log: () => undefined });
      await late.update();
      assert.match(late.lastError ?? '', /abort/i);
      assert.throws(() => new DockerCollector(new Registry(), { url: eng.url, deadline: 2 ** 31 }), /invalid Docker deadline 2147483648/);
      assert.throws(() => new DockerCollector(new Registry(), { url: eng.url, callTimeout: 0 }), /invalid Docker callTimeout 0/);
      assert.throws(() => new DockerCollector(new Registry(), { url: eng.url, maxResponseBytes: { list: 1.5 } }), /invalid Docker maxResponseBytes.list 1.5/);
    } finally {
      await eng.remove();
    }
  });
});
