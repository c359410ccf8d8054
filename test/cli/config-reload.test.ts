/**
 * Reload: a backend changes while a long-lived proxied connection keeps flowing (real
 * sockets); a bad file keeps the running config and sets the gauges as Prometheus does;
 * POST /-/reload needs the agent's auth; SIGHUP reloads a real agent process.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';
import { parseAgentArgs } from '../../src/cli/main.js';
import type { AgentConfig } from '../../src/cli/agent.js';
import { killAgents, spawnAgent } from '../helpers/agents.js';
import type { TestBackend } from '../helpers/backends.js';
import { dial, readAll, sampleValue, startBackend, until } from '../helpers/backends.js';
import { tempDir, waitFor } from '../helpers/tools.js';

const tmp = tempDir('reload');
const path = join(tmp.dir, 'meterkit.yaml');

function serverYaml(backends: readonly TestBackend[], extra = ''): string {
  return `stream:\n  enabled: false\nprocess:\n  enabled: false\nproxy:\n  servers:\n    - name: web\n      bind: 127.0.0.1:0\n      backends: [${backends.map((b) => b.address).join(', ')}]\n${extra}`;
}

function args(): string[] {
  return ['--config', path, '--listen', '127.0.0.1:0', '--auth-token', 'tok'];
}

function load(): AgentConfig {
  const c = parseAgentArgs(args(), {});
  assert.ok(c !== 'help');
  return c;
}

const auth = { authorization: 'Bearer tok' };

describe('config reload', () => {
  let a: TestBackend;
  let b: TestBackend;
  let agent: Agent;
  before(async () => {
    a = await startBackend('A', 'hold');
    b = await startBackend('B', 'id');
    writeFileSync(path, serverYaml([a]));
    agent = await startAgent({ ...load(), reloadSource: load, log: () => undefined });
  });
  after(async () => {
    await agent?.close();
    await a?.stop();
    await b?.stop();
    await killAgents();
    tmp.remove();
  });

  const proxyPort = (): number => (agent.proxy?.server('web')?.boundAddress().port ?? 0);
  const metric = async (name: string): Promise<number | undefined> => sampleValue(await (await fetch(`${agent.url}/metrics`, { headers: auth })).text(), name);

  it('changes a backend while a long-lived connection keeps flowing', async () => {
    const client = await dial(proxyPort());
    client.write('x'.repeat(1000));
    await a.receivedAtLeast(1000);
    const before = await metric('meterkit_config_last_reload_success_timestamp_seconds');
    assert.ok(before !== undefined && before > 0);
    writeFileSync(path, serverYaml([b], '      strategy: roundrobin\n'));
    const r = await fetch(`${agent.url}/-/reload`, { method: 'POST', headers: auth });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { ok: true, restart: [] });
    // new clients go to B; the open connection to A is untouched and still carries bytes
    assert.equal(await readAll(proxyPort()), 'B');
    client.write('y'.repeat(1000));
    await a.receivedAtLeast(2000);
    assert.equal(client.destroyed, false);
    assert.deepEqual(agent.proxy?.server('web')?.backends().map((x) => x.key), [b.address]);
    assert.equal(agent.proxy?.server('web')?.settings.strategy, 'roundrobin');
    assert.equal(await metric('meterkit_config_last_reload_successful'), 1);
    client.end();
  });

  it('keeps the running config when the file is bad, and says why', async () => {
    const okAt = await metric('meterkit_config_last_reload_success_timestamp_seconds');
    writeFileSync(path, `${serverYaml([a])}      colour: blue\n`);
    const r = await fetch(`${agent.url}/-/reload`, { method: 'POST', headers: auth });
    assert.equal(r.status, 500);
    const body = (await r.json()) as { ok: boolean; error: string };
    assert.equal(body.ok, false);
    assert.match(body.error, /meterkit\.yaml:10:7: proxy\.servers\[0\]\.colour: unknown key "colour"/);
    assert.deepEqual(agent.proxy?.server('web')?.backends().map((x) => x.key), [b.address]);
    assert.equal(await readAll(proxyPort()), 'B');
    assert.equal(await metric('meterkit_config_last_reload_successful'), 0);
    assert.equal(await metric('meterkit_config_last_reload_success_timestamp_seconds'), okAt);
  });

  it('reports what needs a restart and leaves it as it was', async () => {
    writeFileSync(path, `${serverYaml([b])}http:\n  tls:\n    cert: c.pem\n    key: k.pem\n`);
    const r = await agent.reload();
    assert.deepEqual(r, { ok: true, restart: ['http.tls'] });
  });

  it('needs the agent\'s auth, and POST', async () => {
    assert.equal((await fetch(`${agent.url}/-/reload`, { method: 'POST' })).status, 401);
    assert.equal((await fetch(`${agent.url}/-/reload`, { headers: auth })).status, 405);
  });

  it('reloads a real agent process on SIGHUP', async () => {
    const file = join(tmp.dir, 'hup.yaml');
    writeFileSync(file, 'proxy:\n  servers:\n    - name: web\n      bind: 127.0.0.1:0\n      backends: [127.0.0.1:9001]\n');
    const p = await spawnAgent(['--config', file], /config reloads on SIGHUP/);
    try {
      writeFileSync(file, `proxy:\n  servers:\n    - name: web\n      bind: 127.0.0.1:0\n      backends: [${b.address}]\n`);
      p.child.kill('SIGHUP');
      await until(() => p.log().includes('meterkit agent: config reloaded'), 'the reload log line');
      const servers = await waitFor(async () => (await (await fetch(`${p.url}/servers/web`)).json()) as { backends: Array<{ port: number }> }, 10_000, 'GET /servers/web');
      assert.deepEqual(servers.backends.map((x) => x.port), [b.port]);
    } finally {
      await p.stop();
    }
  });
});
