import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { collectDockerMetrics } from '../../src/collectors/docker/index.js';
import { startAgent } from '../../src/cli/agent.js';
import { main } from '../../src/cli/main.js';
import { render } from '../../src/prometheus/index.js';
import type { Engine } from '../helpers/podman.js';
import { api, startEngine } from '../helpers/podman.js';
import { needs, requireTools, waitFor } from '../helpers/tools.js';
import { get } from '../helpers/scrape.js';
import { promtoolCheck } from '../helpers/validate.js';

function series(reg: Registry, name: string): Map<string, number> {
  const out = new Map<string, number>();
  reg.family(name)?.forEachSeries((s, v) => {
    const names = s.owner.labelNames;
    out.set(v[names.indexOf('name')] as string, (s as unknown as { value: number }).value);
  });
  return out;
}

describe('Docker collector against a real engine (Podman)', { ...needs('podman'), timeout: 180_000 }, () => {
  let engine: Engine | undefined;
  const tag = `mk${process.pid}`;
  const busy = `${tag}-busy`;
  const sleepy = `${tag}-sleepy`;
  const exited = `${tag}-exited`;
  const paused = `${tag}-paused`;
  let ids: Record<string, string> = {};

  before(async () => {
    requireTools('podman');
    engine = await startEngine();
    ids = {
      [busy]: await engine.container(busy, ['sh', '-c', 'yes > /dev/null']),
      [sleepy]: await engine.container(sleepy, ['sleep', '1000']),
      [exited]: await engine.container(exited, ['sh', '-c', 'exit 3']),
      [paused]: await engine.container(paused, ['sleep', '1000']),
    };
    // runc pauses through the freezer cgroup; Podman then reports Status paused, Running true
    const p = await api(engine.socket, 'POST', `/v1.41/containers/${ids[paused] as string}/pause`);
    assert.equal(p.status, 204, `pause: ${JSON.stringify(p.json)}`);
  });
  after(async () => {
    await engine?.dispose();
  });

  it('publishes states and resources, CPU rising for the busy container, nothing stale', async () => {
    const e = engine as Engine;
    const reg = new Registry();
    const logs: string[] = [];
    const dc = collectDockerMetrics(reg, { url: e.url, log: (l) => logs.push(l) });
    await reg.collect();
    const running = series(reg, 'docker_container_running_state');
    assert.equal(running.get(busy), 1);
    assert.equal(running.get(sleepy), 1);
    assert.equal(running.get(exited), 0);
    // docker_exporter reads State.Running: a paused container is running and keeps its resource series
    assert.equal(running.get(paused), 1);
    assert.ok((series(reg, 'docker_container_memory_used_bytes').get(paused) ?? 0) > 0);
    assert.equal(reg.view(reg.gauge('docker_container_state', { name: paused, state: 'paused' })).value, 1);
    assert.equal(reg.view(reg.gauge('docker_container_state', { name: busy, state: 'running' })).value, 1);
    assert.ok((reg.view(reg.gauge('docker_containers')).value ?? 0) >= 3);
    const mem = series(reg, 'docker_container_memory_used_bytes');
    assert.ok((mem.get(busy) ?? 0) > 0 && (mem.get(sleepy) ?? 0) > 0);
    assert.equal(mem.has(exited), false, 'a stopped container has no resource metrics');
    assert.ok(series(reg, 'docker_container_network_in_bytes').has(busy));
    assert.ok(series(reg, 'docker_container_disk_read_bytes').has(busy));
    assert.ok((series(reg, 'docker_container_start_time_seconds').get(busy) ?? 0) > Date.now() / 1000 - 600);
    assert.equal(series(reg, 'docker_container_health_state').get(busy), -1);
    const cpu1 = series(reg, 'docker_container_cpu_used_total').get(busy) ?? 0;
    // API calls: one list, one inspect per container, stats only for running ones
    const calls = { ...dc.client.calls };
    assert.equal(calls.list, 1);
    assert.equal(calls.inspect, dc.trackedCount);
    assert.equal(calls.stats, [...running.values()].filter((v) => v === 1).length);

    // CPU in cores is a rate between two samples: scrape until the busy container's shows
    // (Podman's one-shot stats carry no precpu_stats; the collector keeps the previous sample)
    const cores = await waitFor(async () => {
      await reg.collect();
      const c = series(reg, 'docker_container_cpu_usage_cores');
      return (c.get(busy) ?? 0) > 0.3 ? c : undefined;
    }, 30_000, 'the busy container using CPU');
    const cpu2 = series(reg, 'docker_container_cpu_used_total').get(busy) ?? 0;
    assert.ok(cpu2 > cpu1, `CPU rising: ${cpu1} → ${cpu2}`);
    assert.ok((cores.get(sleepy) ?? 1) < 0.1, `sleepy does not: ${cores.get(sleepy)}`);
    assert.ok(reg.view(reg.gauge('docker_probe_successfully_completed_time')).value > Date.now() / 1000 - 60);
    assert.deepEqual(await promtoolCheck(render(reg)).then((r) => r.filter((l) => !/should not have "_(total|count)" suffix/.test(l))), []);

    // a removed container's series disappear
    await e.remove(ids[sleepy] as string);
    await reg.collect();
    assert.equal(series(reg, 'docker_container_running_state').has(sleepy), false);
    assert.equal(series(reg, 'docker_container_memory_used_bytes').has(sleepy), false);

    // the engine goes away: everything unpublished, counted, said once; then it comes back
    await e.stop();
    await reg.collect();
    await reg.collect();
    assert.equal(reg.family('docker_container_running_state')?.seriesCount, 0);
    assert.equal(reg.view(reg.counter('docker_probe_list_containers_failed_total')).value, 2);
    assert.equal(logs.filter((l) => /unavailable/.test(l)).length, 1);
    await e.start();
    await reg.collect();
    assert.equal(series(reg, 'docker_container_running_state').get(busy), 1);
    assert.ok(logs.some((l) => /is back/.test(l)));
    await dc.close();
    assert.equal(reg.family('docker_container_running_state')?.seriesCount, 0);
  });

  it('cAdvisor naming', async () => {
    const reg = new Registry();
    const dc = collectDockerMetrics(reg, { url: (engine as Engine).url, naming: 'cadvisor', log: () => undefined });
    await reg.collect();
    const text = render(reg);
    const id = ids[busy] as string;
    // the id label is the cgroup path, read from /proc/<pid>/cgroup (Podman: …/libpod-<id>…)
    const cg = new RegExp(`^container_cpu_usage_seconds_total\\{id="(/[^"]*${id}[^"]*)",name="${busy}",image="localhost/busybox:latest",cpu="total"\\} \\d`, 'm').exec(text)?.[1];
    assert.ok(cg !== undefined, text);
    for (const name of ['container_cpu_user_seconds_total', 'container_cpu_system_seconds_total', 'container_memory_usage_bytes', 'container_memory_working_set_bytes', 'container_last_seen', 'container_start_time_seconds', 'container_spec_memory_limit_bytes']) {
      assert.ok(text.includes(`\n${name}{id="${cg}",`), name);
    }
    assert.ok(text.includes(`\ncontainer_network_receive_packets_total{id="${cg}",name="${busy}",image="localhost/busybox:latest",interface=`));
    assert.doesNotMatch(text, new RegExp(`name="${exited}"`), 'a stopped container has no cgroup: cAdvisor does not list it');
    assert.match(text, /^container_scrape_error 0$/m);
    assert.match(text, /^cadvisor_version_info\{kernelVersion="[^"]+",osVersion="[^"]+",dockerVersion="[^"]+",cadvisorVersion="",cadvisorRevision=""\} 1$/m);
    assert.doesNotMatch(text, /^docker_container_/m);
    await dc.close();
  });

  it('meterkit docker prints once, and the agent serves it with --docker', async () => {
    let out = '';
    assert.equal(await main(['docker', (engine as Engine).url], (s) => (out += s), () => undefined), 0);
    assert.match(out, new RegExp(`docker_container_running_state\\{name="${busy}"\\} 1`));
    let err = '';
    assert.equal(await main(['docker', 'unix:///nonexistent/docker.sock'], () => undefined, (s) => (err += s)), 1);
    assert.match(err, /no Docker engine answers at unix:\/\/\/nonexistent\/docker.sock/);
    const agent = await startAgent({ listen: '127.0.0.1:0', process: false, docker: { url: (engine as Engine).url }, log: () => undefined });
    try {
      const text = (await get(`${agent.url}/metrics`)).body.toString();
      assert.match(text, new RegExp(`docker_container_running_state\\{name="${busy}"\\} 1`));
    } finally {
      await agent.close();
    }
  });
});

describe('the agent without an engine keeps serving', () => {
  it('says so once and serves its other metrics', async () => {
    const logs: string[] = [];
    const agent = await startAgent({ listen: '127.0.0.1:0', docker: { url: 'unix:///nonexistent/docker.sock' }, log: (l) => logs.push(l) });
    try {
      const r1 = await get(`${agent.url}/metrics`);
      const r2 = await get(`${agent.url}/metrics`);
      assert.equal(r2.status, 200);
      assert.match(r2.body.toString(), /^process_cpu_seconds_total/m);
      assert.match(r2.body.toString(), /^docker_probe_list_containers_failed_total 2$/m);
      assert.equal(r1.status, 200);
      assert.equal(logs.filter((l) => /unavailable/.test(l)).length, 1);
    } finally {
      await agent.close();
    }
  });
});
