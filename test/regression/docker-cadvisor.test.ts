/**
 * Issue #8 §4: cAdvisor mode did not match cAdvisor: `id` was the bare hex id (cAdvisor: the
 * cgroup path), no `container_label_*`/`container_env_*`, no `cpu="total"`, block devices as
 * `major:minor`, `container_last_seen` for stopped containers, and the names dashboards use most
 * were missing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { DockerCollector } from '../../src/collectors/docker/index.js';
import { render } from '../../src/prometheus/index.js';
import { BASE_ROUTES, fakeEngine, json } from '../helpers/podman.js';
import { needs, tempDir } from '../helpers/tools.js';
import { promtoolCheck } from '../helpers/validate.js';

const RUN1 = 'a1'.repeat(32);
const RUN2 = 'b2'.repeat(32);
const STATS = {
  cpu_stats: { cpu_usage: { total_usage: 3e9, usage_in_usermode: 2e9, usage_in_kernelmode: 1e9 }, system_cpu_usage: 1e12, online_cpus: 2 },
  memory_stats: { usage: 5000, max_usage: 9000, failcnt: 3, limit: 1e9, stats: { total_rss: 1000, total_cache: 2000, total_inactive_file: 500 } },
  networks: { eth0: { rx_bytes: 10, tx_bytes: 20, rx_packets: 1, tx_packets: 2, rx_errors: 0, tx_errors: 0, rx_dropped: 4, tx_dropped: 0 } },
  blkio_stats: { io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }, { major: 8, minor: 0, op: 'Write', value: 512 }, { major: 9, minor: 9, op: 'Read', value: 1 }] },
};
const inspect = (id: string, pid: number, running = true): unknown => ({
  Id: id,
  Config: { Image: 'img:1', Labels: { 'com.example.team': 'web', other: 'x' }, Env: ['TIER=prod', 'SECRET=s3cret'] },
  HostConfig: { NanoCpus: 5e8, Memory: 1e9, CpuShares: 512 },
  State: { Status: running ? 'running' : 'exited', Running: running, Pid: running ? pid : 0, StartedAt: '2026-01-01T00:00:00Z' },
});

describe('regression: cAdvisor mode names, labels and values as cAdvisor', () => {
  const host = tempDir('host');
  let eng: Awaited<ReturnType<typeof fakeEngine>>;
  before(async () => {
    mkdirSync(join(host.dir, 'proc/4242'), { recursive: true });
    writeFileSync(join(host.dir, 'proc/4242/cgroup'), `5:devices:/system.slice/docker-${RUN1}.scope\n4:memory:/system.slice/docker-${RUN1}.scope\n1:name=systemd:/system.slice/docker-${RUN1}.scope\n`);
    // another pid namespace: this pid is somebody else, whose cgroup does not name the container
    mkdirSync(join(host.dir, 'proc/4343'), { recursive: true });
    writeFileSync(join(host.dir, 'proc/4343/cgroup'), '0::/user.slice\n');
    mkdirSync(join(host.dir, 'sys/dev/block'), { recursive: true });
    symlinkSync('../../devices/pci0000:00/block/sda', join(host.dir, 'sys/dev/block/8:0'));
    eng = await fakeEngine({
      ...BASE_ROUTES,
      '/containers/json': json([{ Id: RUN1, Names: ['/run1'] }, { Id: RUN2, Names: ['/run2'] }, { Id: 'c3', Names: ['/stopped'] }]),
      [`/containers/${RUN1}/json`]: json(inspect(RUN1, 4242)),
      [`/containers/${RUN1}/stats`]: json(STATS),
      [`/containers/${RUN2}/json`]: json(inspect(RUN2, 4343)),
      [`/containers/${RUN2}/stats`]: json(STATS),
      '/containers/c3/json': json(inspect('c3', 0, false)),
    });
  });
  after(async () => {
    await eng.remove();
    host.remove();
  });

  it('publishes cAdvisor series with its labels', async () => {
    const reg = new Registry();
    const dc = new DockerCollector(reg, {
      url: eng.url,
      naming: 'cadvisor',
      containerLabels: ['com.example.team', 'missing'],
      containerEnv: ['TIER'],
      hostPaths: { proc: join(host.dir, 'proc'), sys: join(host.dir, 'sys') },
      log: () => undefined,
    });
    await dc.update();
    const text = render(reg);
    const base = `id="/system.slice/docker-${RUN1}.scope",name="run1",image="img:1",container_label_com_example_team="web",container_label_missing="",container_env_TIER="prod"`;
    const has = (line: string): void => assert.ok(text.split('\n').includes(line), `missing: ${line}`);
    has(`container_cpu_usage_seconds_total{${base},cpu="total"} 3`);
    has(`container_cpu_user_seconds_total{${base}} 2`);
    has(`container_cpu_system_seconds_total{${base}} 1`);
    has(`container_memory_usage_bytes{${base}} 5000`);
    has(`container_memory_working_set_bytes{${base}} 4500`);
    has(`container_memory_rss{${base}} 1000`);
    has(`container_memory_cache{${base}} 2000`);
    has(`container_memory_max_usage_bytes{${base}} 9000`);
    has(`container_memory_failcnt{${base}} 3`);
    has(`container_network_receive_packets_total{${base},interface="eth0"} 1`);
    has(`container_network_receive_packets_dropped_total{${base},interface="eth0"} 4`);
    has(`container_network_transmit_errors_total{${base},interface="eth0"} 0`);
    has(`container_fs_reads_bytes_total{${base},device="/dev/sda"} 4096`);
    has(`container_fs_writes_bytes_total{${base},device="/dev/sda"} 512`);
    has(`container_fs_reads_bytes_total{${base},device="9:9"} 1`); // not in /sys/dev/block: documented fallback
    has(`container_spec_cpu_quota{${base}} 50000`);
    has(`container_spec_cpu_period{${base}} 100000`);
    has(`container_spec_cpu_shares{${base}} 512`);
    has(`container_spec_memory_limit_bytes{${base}} 1000000000`);
    has(`container_start_time_seconds{${base}} 1767225600`);
    has('container_scrape_error 0');
    has('cadvisor_version_info{kernelVersion="6.1.0",osVersion="Debian GNU/Linux 12 (bookworm)",dockerVersion="24.0.0",cadvisorVersion="",cadvisorRevision=""} 1');
    // seconds as the value, then the same moment in ms as the explicit sample time
    const seen = new RegExp(`^container_last_seen\\{${base.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\} (\\d+) (\\d+)$`, 'm').exec(text);
    assert.ok(seen, 'container_last_seen carries an explicit timestamp');
    assert.equal(Number(seen[1]), Math.floor(Number(seen[2]) / 1000));
    assert.ok(Math.abs(Number(seen[2]) - Date.now()) < 60_000);
    // a pid that is not the container's: the fallback id
    assert.match(text, new RegExp(`^container_memory_usage_bytes\\{id="/docker/${RUN2}",name="run2"`, 'm'));
    assert.doesNotMatch(text, /name="stopped"/, 'cAdvisor knows only containers with a live cgroup');
    assert.doesNotMatch(text, /SECRET|s3cret/, 'only allow-listed environment variables');
    assert.doesNotMatch(text, /id="a1a1/, 'never the bare hex id');
    assert.doesNotMatch(text, /^container_fs_(usage|limit)_bytes/m, 'no source in the Engine API: omitted, not 0');
    await dc.close();
  });

  it('the text passes promtool', needs('promtool'), async () => {
    const reg = new Registry();
    const dc = new DockerCollector(reg, { url: eng.url, naming: 'cadvisor', log: () => undefined });
    await dc.update();
    // cAdvisor's own label names are camelCase (cadvisor_version_info): a lint, not a format error
    const lint = (await promtoolCheck(render(reg))).filter((l) => !/cadvisor_version_info label names should be written in 'snake_case'/.test(l));
    assert.deepEqual(lint, []);
    await dc.close();
  });
});
