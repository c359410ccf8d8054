/**
 * #14 review, config part, beyond the review's own tests: flags laid over a file's section key by
 * key, a reload checked in full before any part changes, bounded value text, the schema's secret
 * marks, "turn it on" hints that name the config key, and the dashboard's limits as flags and keys.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AgentConfig } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';
import { isSecretPath, configReference } from '../../src/cli/config/reference.js';
import { parseAgentArgs } from '../../src/cli/main.js';
import { createReloader } from '../../src/cli/reload.js';
import type { ReloadParts } from '../../src/cli/reload.js';
import { UsageError } from '../../src/cli/usage.js';
import { describeValue } from '../../src/core/errors.js';
import { Registry } from '../../src/core/registry.js';
import { ClusterAggregator } from '../../src/cluster/index.js';
import { capture } from '../helpers/cli.js';
import { tempDir } from '../helpers/tools.js';

const tmp = tempDir('r14-more');
after(() => tmp.remove());

function file(name: string, text: string): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
}

function agentArgs(args: string[]): AgentConfig {
  const c = parseAgentArgs(args, {});
  assert.ok(c !== 'help');
  return c;
}

describe('r14 a flag overrides exactly its key of the file', () => {
  const proxyFile = file('p.yaml', 'stream:\n  enabled: false\nproxy:\n  drain_timeout: 9s\n  servers:\n    - name: web\n      bind: 127.0.0.1:0\n      backends: [127.0.0.1:9001]\n');

  it('--drain-timeout beside a file\'s proxy: the file\'s servers stay', () => {
    const c = agentArgs(['--config', proxyFile, '--drain-timeout', '2s']);
    assert.equal(c.proxy?.drainTimeout, 2000);
    assert.deepEqual(c.proxy?.servers.map((s) => s.name), ['web']);
  });

  it('--drain-timeout without any proxy is still a usage error naming the flag and the key', () => {
    assert.throws(() => parseAgentArgs(['--no-stream', '--drain-timeout', '2s'], {}), (e: unknown) => e instanceof UsageError && /--drain-timeout needs .*proxy\.servers/.test(e.message));
  });

  it('--monitor beside a file\'s monitor keeps the file\'s keys', () => {
    const f = file('m.yaml', 'stream:\n  enabled: false\nmonitor:\n  check_interval: 15s\n  detector: phi\n');
    const c = agentArgs(['--config', f, '--monitor']);
    assert.equal(c.monitor?.checkInterval, 15000);
    assert.equal(c.monitor?.detector.kind, 'phi');
  });

  it('--state-dir beside a file\'s notify replaces its state_dir only', () => {
    const f = file('n.yaml', `stream:\n  enabled: false\nnotify:\n  queue: memory\n  state_dir: ${tmp.dir}/a\n  endpoints:\n    - name: hook\n      url: http://127.0.0.1:9/\n`);
    const c = agentArgs(['--config', f, '--state-dir', `${tmp.dir}/b`]);
    assert.equal(c.notify?.stateDir, `${tmp.dir}/b`);
    assert.equal(c.notify?.queue, 'memory');
    assert.deepEqual(c.notify?.endpoints.map((e) => e.name), ['hook']);
  });

  it('--report-interval beside a file\'s report keeps its peer id and ttl', () => {
    const f = file('r.yaml', 'stream:\n  enabled: false\nreport:\n  to: http://127.0.0.1:9\n  peer_id: p1\n  ttl: 60s\n');
    const c = agentArgs(['--config', f, '--report-interval', '20s']);
    assert.equal(c.report?.interval, 20000);
    assert.equal(c.report?.ttl, 60000);
    assert.equal(c.report?.peer, 'p1');
  });
});

describe('r14 a reload is checked in full before any part changes', () => {
  it('a later part\'s invalid settings (two endpoints of one name) leave the proxy untouched', async () => {
    const calls: unknown[] = [];
    const parts: ReloadParts = {
      proxy: { check: () => undefined, reconfigure: async (servers: unknown) => (calls.push(servers), []) } as never,
      notifier: { reconfigure: async () => {} } as never,
      monitor: null,
      remountMetrics: () => {},
    };
    const endpoint = { name: 'a', url: 'http://127.0.0.1:9/', headers: {} };
    const initial = {
      listen: '127.0.0.1:0',
      proxy: { servers: [{ name: 'a', bind: '127.0.0.1:0', backends: [{ host: '127.0.0.1', port: 9001 }] }], naming: 'meterkit', drainTimeout: 1000 },
      notify: { endpoints: [endpoint], queue: 'memory', stateDir: tmp.dir, role: 'both' },
    } as unknown as AgentConfig;
    const next = {
      ...initial,
      proxy: { ...initial.proxy, servers: [{ name: 'a', bind: '127.0.0.1:0', backends: [{ host: '127.0.0.1', port: 9002 }] }] },
      notify: { ...initial.notify, endpoints: [endpoint, endpoint] },
    } as AgentConfig;
    const reload = createReloader({ initial, source: () => next, parts, recorder: new Registry(), log: () => {} });
    const r = await reload();
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /"a" is given twice/);
    assert.deepEqual(calls, [], 'the proxy was changed before the notifier\'s settings were checked');
  });
});

describe('r14 bounded value text', () => {
  it('describeValue cuts a long value and says its length', () => {
    const text = describeValue('x'.repeat(1_000_000));
    assert.ok(text.length < 120, text.slice(0, 200));
    assert.ok(text.endsWith('…(1000000 chars)'), text);
    assert.equal(describeValue('short'), '"short"');
  });
});

describe('r14 the schema says what is secret', () => {
  it('marks the credentials, endpoint secrets and headers, and the reference says so', () => {
    assert.equal(isSecretPath(['http', 'auth']), true);
    assert.equal(isSecretPath(['report', 'auth', 'token']), true);
    assert.equal(isSecretPath(['notify', 'endpoints', 3, 'headers', 'X-Key']), true);
    assert.equal(isSecretPath(['remote_write', 0, 'auth']), true);
    assert.equal(isSecretPath(['http', 'listen']), false);
    assert.match(configReference(), /\| `http\.auth` \|[^\n]*secret/);
  });
});

describe('r14 "turn it on" names the flag and the config key', () => {
  let agent: Awaited<ReturnType<typeof startAgent>> | null = null;
  after(() => agent?.close());

  it('in the dashboard\'s hints of the features that are off', async () => {
    agent = await startAgent({ listen: '127.0.0.1:0', process: false, log: () => {} });
    const status = (await (await fetch(`${agent.url}/api/v1/status`)).json()) as { features: Record<string, { on: boolean; flag: string; key: string }> };
    const help = (await capture(['help', 'agent'])).out;
    const reference = configReference();
    for (const [name, f] of Object.entries(status.features)) {
      const flag = /--[a-z][a-z-]*/.exec(f.flag)?.[0];
      assert.ok(flag !== undefined && help.includes(flag), `${name}: no agent flag in ${JSON.stringify(f.flag)}`);
      const key = f.key;
      assert.ok(key !== undefined && reference.includes(`| \`${key}\` |`), `${name}: no config key in ${JSON.stringify(f.key)}`);
    }
  });

  it('in the usage error of a flag given without its feature', () => {
    assert.throws(() => parseAgentArgs(['--monitor-detector', 'phi'], {}), /--monitor-detector needs --monitor.*in a config file: monitor/);
    assert.throws(() => parseAgentArgs(['--docker-naming', 'cadvisor'], {}), /--docker-naming needs --docker.*in a config file: docker/);
  });
});

/** Opens an event stream; resolves with the response (its body left open). */
function openStream(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(url, (res) => resolve(res)).on('error', reject).end());
}

describe('r14 the dashboard\'s limits are flags and keys', () => {
  it('--dashboard-max-clients and --dashboard-max-watched, and dashboard.max_clients / max_watched', () => {
    const c = agentArgs(['--no-stream', '--dashboard-max-clients', '2', '--dashboard-max-watched', '12']);
    assert.equal(c.dashboardMaxClients, 2);
    assert.equal(c.dashboardMaxWatched, 12);
    const f = file('d.yaml', 'stream:\n  enabled: false\ndashboard:\n  max_clients: 3\n  max_watched: 20\n');
    const d = agentArgs(['--config', f, '--dashboard-max-watched', '30']);
    assert.equal(d.dashboardMaxClients, 3);
    assert.equal(d.dashboardMaxWatched, 30);
    assert.throws(() => parseAgentArgs(['--dashboard-max-clients', '0'], {}), /--dashboard-max-clients/);
  });

  it('the agent holds its dashboard to max clients', async () => {
    const agent = await startAgent({ listen: '127.0.0.1:0', process: false, dashboardMaxClients: 1, log: () => {} });
    const streams: IncomingMessage[] = [];
    try {
      agent.registry.registerGauge('r14_g').set(1);
      const first = await openStream(`${agent.url}/api/v1/events?series=r14_g`);
      streams.push(first);
      assert.equal(first.statusCode, 200);
      const second = await openStream(`${agent.url}/api/v1/events?series=r14_g`);
      streams.push(second);
      assert.equal(second.statusCode, 503);
    } finally {
      for (const s of streams) s.destroy();
      await agent.close();
    }
  });
});

/** GET `url` through `agent` (keep-alive, one socket); resolves with the status and the local port of the connection. */
function get(url: string, through: HttpAgent): Promise<{ status: number; port: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: through, signal: AbortSignal.timeout(60_000) }, (res) => {
      const port = res.socket.localPort ?? 0;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, port }));
    });
    req.on('error', reject).end();
  });
}

describe('r14 scrape settings change on reload', () => {
  it('collect_timeout and max_concurrent hold from the next scrape, and no connection is dropped', async () => {
    let entered!: () => void;
    const blocked = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const base: AgentConfig = { listen: '127.0.0.1:0', process: false, maxConcurrent: 1, collectTimeout: 600_000, log: () => {} };
    const next: AgentConfig = { ...base, maxConcurrent: 2, collectTimeout: 5 };
    const agent = await startAgent({ ...base, reloadSource: () => next });
    // a collector that holds the first scrape (and its one slot) until released
    agent.registry.addCollector('r14_slow', async () => {
      entered();
      await gate;
    });
    const keep = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await get(`${agent.url}/healthz`, keep);
      const held = fetch(`${agent.url}/metrics`);
      await blocked;
      assert.equal((await fetch(`${agent.url}/metrics`)).status, 503, 'max_concurrent 1 with a scrape under way');
      const r = await agent.reload();
      assert.deepEqual(r, { ok: true, restart: [] });
      // a second slot, and a scrape that waits 5 ms for the held collector instead of 10 minutes
      const after = await get(`${agent.url}/metrics`, keep);
      assert.equal(after.status, 200);
      assert.equal(after.port, before.port, 'the keep-alive connection was dropped by the reload');
      release();
      assert.equal((await held).status, 200);
    } finally {
      release();
      keep.destroy();
      await agent.close();
    }
  });
});

describe('r14 a cluster primary follows a changed collect_timeout', () => {
  it('its aggregator reads the registry\'s collect timeout per scrape', async () => {
    const registry = new Registry({ collectTimeout: 10_000 });
    const agg = new ClusterAggregator({ registry, cluster: false });
    try {
      registry.setCollectTimeout(5);
      assert.equal(agg.collectTimeout, 5);
    } finally {
      await agg.close();
      await registry.close();
    }
  });
});
