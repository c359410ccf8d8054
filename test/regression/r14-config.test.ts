/**
 * #14 review: the config file's secrets and the reload's all-or-nothing promise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConfigText, formatProblem } from '../../src/cli/config/load.js';
import type { AgentConfig } from '../../src/cli/agent.js';
import { createReloader } from '../../src/cli/reload.js';
import type { ReloadParts } from '../../src/cli/reload.js';
import { Registry } from '../../src/core/registry.js';

const SECRET = 'hunter2SuperSecret';

function printed(text: string): string {
  const r = checkConfigText('t.yaml', text, {});
  assert.equal(r.ok, false, 'the file should fail the check');
  return r.ok ? '' : r.problems.map(formatProblem).join('\n');
}

describe('r14 config secrets', () => {
  it('never prints http.auth given as a bare string (a token where a map is expected)', () => {
    const out = printed(`http:\n  auth: ${SECRET}\n`);
    assert.ok(!out.includes(SECRET), out);
  });

  it('never prints report.auth given as a bare string', () => {
    const out = printed(`report:\n  to: http://127.0.0.1:9\n  auth: ${SECRET}\n`);
    assert.ok(!out.includes(SECRET), out);
  });

  it('never prints the password in a remote_write url ', () => {
    const out = printed(`remote_write:\n  - url: http://user:${SECRET}@127.0.0.1:9090/api/v1/write\n`);
    assert.ok(!out.includes(SECRET), out);
  });

  it('never prints the password in a notify endpoint url that breaks a rule', () => {
    const out = printed(`notify:\n  queue: memory\n  endpoints:\n    - name: a\n      url: ftp://user:${SECRET}@127.0.0.1:9/hook\n`);
    assert.ok(!out.includes(SECRET), out);
  });

  it('a problem names a huge bad value in bounded text', () => {
    const out = printed(`http:\n  max_concurrent: "${'x'.repeat(100_000)}"\n`);
    assert.ok(out.length < 2000, `one problem printed as ${out.length} characters`);
  });

  it('never prints a token that breaks the token rule', () => {
    const out = printed(`http:\n  auth:\n    token: "${SECRET} x"\n`);
    assert.ok(!out.includes(SECRET), out);
  });
});

describe('r14 reload is all or nothing', () => {
  it('a part that refuses its settings leaves the parts already changed as they were', async () => {
    const calls: unknown[] = [];
    const parts: ReloadParts = {
      proxy: { reconfigure: async (servers: unknown) => (calls.push(servers), []) } as never,
      notifier: {
        reconfigure: async () => {
          throw new Error('endpoint refused');
        },
      } as never,
      monitor: null,
      remountMetrics: () => {},
    };
    const oldServers = [{ name: 'a', bind: '127.0.0.1:0', backends: ['127.0.0.1:9001'] }];
    const newServers = [{ name: 'a', bind: '127.0.0.1:0', backends: ['127.0.0.1:9002'] }];
    const initial = { listen: '127.0.0.1:0', proxy: { servers: oldServers, naming: 'meterkit', drainTimeout: 1000 }, notify: { endpoints: [], queue: 'memory', stateDir: '/tmp', role: 'both' } } as unknown as AgentConfig;
    const next = { ...initial, proxy: { ...initial.proxy, servers: newServers } } as AgentConfig;
    const reload = createReloader({ initial, source: () => next, parts, recorder: new Registry(), log: () => {} });
    const r = await reload();
    assert.equal(r.ok, false);
    // the failed reload must keep the running config: the proxy's last servers are the old ones
    assert.deepEqual(calls.at(-1) ?? oldServers, oldServers, 'the proxy runs the new servers after a failed reload');
  });
});

describe('r14 reload requests are bounded', () => {
  it('reloads asked for while one runs are coalesced into one more (a burst of POSTs is no unbounded queue)', async () => {
    let reads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const parts: ReloadParts = {
      proxy: { reconfigure: async () => (await gate, []) } as never,
      notifier: null,
      monitor: null,
      remountMetrics: () => {},
    };
    const initial = { listen: '127.0.0.1:0', proxy: { servers: [], naming: 'meterkit', drainTimeout: 1000 } } as unknown as AgentConfig;
    const reload = createReloader({ initial, source: () => (reads++, initial), parts, recorder: new Registry(), log: () => {} });
    const all = Array.from({ length: 50 }, () => reload());
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all(all);
    assert.ok(reads <= 2, `the file was read ${reads} times for one burst`);
  });
});

describe('r14 flags override the file key by key', () => {
  it('--monitor-check-interval overrides monitor.check_interval of the file (no usage error, the file keeps its monitor)', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { parseAgentArgs } = await import('../../src/cli/main.js');
    const dir = mkdtempSync(join(tmpdir(), 'r14-'));
    try {
      const f = join(dir, 'm.yaml');
      writeFileSync(f, 'stream:\n  enabled: false\nmonitor:\n  check_interval: 15s\n  peers: [a, b]\n');
      const c = parseAgentArgs(['--config', f, '--monitor-check-interval', '7s'], {});
      assert.ok(c !== 'help');
      assert.equal(c.monitor?.checkInterval, 7000);
      assert.deepEqual(c.monitor?.peers, ['a', 'b']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
