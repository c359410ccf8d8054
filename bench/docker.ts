/**
 * One Docker collector update over 50 running containers on a real engine (Podman): wall
 * time, and the API calls it makes (one list, then one inspect and one stats per container).
 */
import { Registry } from '../src/index.js';
import { DockerCollector } from '../src/collectors/docker/index.js';
import { startEngine } from '../test/helpers/podman.js';
import { record, target } from './harness.js';

const S = 'docker';
const N = 50;

export async function runDocker(): Promise<void> {
  let engine;
  try {
    engine = await startEngine();
  } catch (err) {
    console.error(`docker benchmark skipped: no Podman engine (${(err as Error).message.split('\n')[0]}); install with scripts/install-test-deps.sh as root`);
    return;
  }
  try {
    const t0 = Date.now();
    for (let i = 0; i < N; i++) await engine.container(`mkbench${process.pid}-${i}`, ['sleep', '1000']);
    record(S, `starting ${N} containers (setup, not measured against a target)`, (Date.now() - t0) / 1000, 's');
    const reg = new Registry();
    const dc = new DockerCollector(reg, { url: engine.url, log: () => undefined });
    await dc.update(); // first update: negotiation, trackers created
    const times: number[] = [];
    let calls = { list: 0, inspect: 0, stats: 0, other: 0 };
    for (let r = 0; r < 3; r++) {
      const before = { ...dc.client.calls };
      const s = process.hrtime.bigint();
      await dc.update();
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
      calls = { list: dc.client.calls.list - before.list, inspect: dc.client.calls.inspect - before.inspect, stats: dc.client.calls.stats - before.stats, other: 0 };
    }
    times.sort((a, b) => a - b);
    const wall = record(S, `one update over ${N} running containers (median of 3)`, times[1] as number, 'ms');
    const running = Number(reg.view(reg.gauge('docker_containers')).value);
    record(S, 'API calls per update: list', calls.list, 'calls');
    record(S, 'API calls per update: inspect', calls.inspect, 'calls');
    record(S, 'API calls per update: stats', calls.stats, 'calls');
    const exact = calls.list === 1 && calls.inspect === running && calls.stats >= N && calls.stats <= running;
    target('docker update API calls', '1 list + 1 inspect per container + 1 stats per running one', `${calls.list} + ${calls.inspect} + ${calls.stats} for ${running} containers`, exact);
    record(S, 'update wall time per container', wall / running, 'ms');
  } finally {
    await engine.dispose();
  }
}
