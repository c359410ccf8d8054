/**
 * Issue #8 §3: one malformed container (`Names: [5]`, `networks: {eth0: null}`,
 * `RestartCount: "x"`) threw out of the whole update, and `meterkit docker` died with a stack
 * trace. Now it fails only that container: its series unpublished, counted, logged with the reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { DockerCollector } from '../../src/collectors/docker/index.js';
import { main } from '../../src/cli/main.js';
import type { FakeRoute } from '../helpers/podman.js';
import { BASE_ROUTES, fakeEngine, json } from '../helpers/podman.js';

const RUNNING = { Status: 'running', Running: true, Pid: 0, StartedAt: '2026-01-01T00:00:00Z' };
const STATS = { cpu_stats: { cpu_usage: { total_usage: 10 }, system_cpu_usage: 100, online_cpus: 1 }, memory_stats: { usage: 1000 }, networks: { eth0: { rx_bytes: 1, tx_bytes: 2 } } };

describe('regression: a malformed container fails alone', () => {
  let eng: Awaited<ReturnType<typeof fakeEngine>>;
  let badRestart = true;
  before(async () => {
    const inspect = (id: string, extra: object = {}): FakeRoute => json({ Id: id, RestartCount: 0, State: RUNNING, ...extra });
    eng = await fakeEngine({
      ...BASE_ROUTES,
      '/containers/json': json([
        { Id: 'good', Names: ['/good'] },
        { Id: 'badname', Names: [5] },
        { Id: 'badnet', Names: ['/badnet'] },
        { Id: 'badrestart', Names: ['/badrestart'] },
        { Names: ['/noid'] },
      ]),
      '/containers/good/json': inspect('good'),
      '/containers/good/stats': json(STATS),
      '/containers/badname/json': inspect('badname'),
      '/containers/badname/stats': json(STATS),
      '/containers/badnet/json': inspect('badnet'),
      '/containers/badnet/stats': json({ ...STATS, networks: { eth0: null } }),
      '/containers/badrestart/json': (res, req) => inspect('badrestart', { RestartCount: badRestart ? 'x' : 3 })(res, req),
      '/containers/badrestart/stats': json(STATS),
    });
  });
  after(() => eng.remove());

  it('publishes the good one, unpublishes and counts each bad one, logs each reason once', async () => {
    const reg = new Registry();
    const logs: string[] = [];
    const dc = new DockerCollector(reg, { url: eng.url, log: (l) => logs.push(l) });
    // a good first run for badrestart, so there is something to unpublish
    badRestart = false;
    await dc.update();
    assert.equal(reg.view(reg.gauge('docker_container_restart_count', { name: 'badrestart' })).value, 3);
    badRestart = true;
    await dc.update();
    await dc.update();
    const published = new Set<string>();
    for (const f of reg.families()) {
      if (!f.name.startsWith('docker_container_')) continue;
      f.forEachSeries((s, v) => published.add(v[s.owner.labelNames.indexOf('name')] as string));
    }
    assert.deepEqual([...published], ['good']);
    assert.equal(reg.view(reg.gauge('docker_container_memory_used_bytes', { name: 'good' })).value, 1000);
    assert.equal(reg.view(reg.counter('docker_probe_container_failed_total', { name: 'badname' })).value, 3);
    assert.equal(reg.view(reg.counter('docker_probe_container_failed_total', { name: 'badnet' })).value, 3);
    assert.equal(reg.view(reg.counter('docker_probe_container_failed_total', { name: 'badrestart' })).value, 2);
    assert.equal(reg.view(reg.counter('docker_probe_container_failed_total', { name: '' })).value, 3, 'the entry without an Id');
    assert.ok(reg.view(reg.gauge('docker_probe_successfully_completed_time')).value > 0, 'the update completed');
    assert.equal(dc.lastError, null);
    const said = (re: RegExp): number => logs.filter((l) => re.test(l)).length;
    assert.equal(said(/container badname failed.*Names\[0\] is 5, not a string/), 1);
    assert.equal(said(/container badnet failed.*networks\.eth0 is null, not an object/), 1);
    assert.equal(said(/container badrestart failed.*RestartCount is "x", not a finite number/), 1);
    assert.equal(said(/container #4 failed.*Id is undefined/), 1);
    await dc.close();
  });

  it('meterkit docker prints the good containers and says why the others failed, without a stack trace', async () => {
    let out = '';
    let err = '';
    const code = await main(['docker', eng.url], (s) => (out += s), (s) => (err += s));
    assert.equal(code, 0, err);
    assert.match(out, /^docker_container_running_state\{name="good"\} 1$/m);
    assert.doesNotMatch(out, /^docker_container_\w+\{name="badnet"/m);
    assert.match(err, /container badnet failed.*networks\.eth0 is null/);
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
  });
});
