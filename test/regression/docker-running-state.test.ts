/**
 * Issue #8 §4: docker_container_running_state said 0 for a paused container and dropped its
 * resource series, where docker_exporter (which reads State.Running) says 1 and keeps them.
 * The finer state is in docker_container_state{state}.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { DockerCollector } from '../../src/collectors/docker/index.js';
import { BASE_ROUTES, fakeEngine, json } from '../helpers/podman.js';

const STATS = { cpu_stats: { cpu_usage: { total_usage: 10 }, system_cpu_usage: 100, online_cpus: 1 }, memory_stats: { usage: 1000 } };

describe('regression: running_state reads State.Running, as docker_exporter', () => {
  let eng: Awaited<ReturnType<typeof fakeEngine>>;
  let status = 'paused';
  before(async () => {
    eng = await fakeEngine({
      ...BASE_ROUTES,
      '/containers/json': json([{ Id: 'p', Names: ['/p'] }, { Id: 'r', Names: ['/r'] }]),
      '/containers/p/json': (res, req) => json({ Id: 'p', State: { Status: status, Running: status !== 'exited', Paused: status === 'paused' } })(res, req),
      '/containers/p/stats': json(STATS),
      '/containers/r/json': json({ Id: 'r', State: { Status: 'restarting', Running: false, Restarting: true } }),
    });
  });
  after(() => eng.remove());

  it('a paused container is running (1) and keeps its resource series; its state says paused', async () => {
    const reg = new Registry();
    const dc = new DockerCollector(reg, { url: eng.url, log: () => undefined });
    await dc.update();
    assert.equal(reg.view(reg.gauge('docker_container_running_state', { name: 'p' })).value, 1);
    assert.equal(reg.view(reg.gauge('docker_container_memory_used_bytes', { name: 'p' })).value, 1000);
    assert.equal(reg.view(reg.gauge('docker_container_state', { name: 'p', state: 'paused' })).value, 1);
    assert.equal(reg.view(reg.gauge('docker_container_state', { name: 'p', state: 'running' })).value, 0);
    assert.equal(reg.view(reg.gauge('docker_container_running_state', { name: 'r' })).value, 0.5);
    assert.equal(reg.view(reg.gauge('docker_container_state', { name: 'r', state: 'restarting' })).value, 1);

    // an engine's own status outside Docker's list shows up, and goes when it changes
    status = 'stopping';
    await dc.update();
    assert.equal(reg.view(reg.gauge('docker_container_state', { name: 'p', state: 'stopping' })).value, 1);
    status = 'exited';
    await dc.update();
    const states: string[] = [];
    reg.family('docker_container_state')?.forEachSeries((_s, v) => v[0] === 'p' && states.push(v[1] as string));
    assert.deepEqual(states.sort(), ['created', 'dead', 'exited', 'paused', 'removing', 'restarting', 'running']);
    assert.equal(reg.view(reg.gauge('docker_container_running_state', { name: 'p' })).value, 0);
    assert.equal(reg.family('docker_container_memory_used_bytes')?.seriesCount, 0, 'stopped: no resource series');
    await dc.close();
  });
});
