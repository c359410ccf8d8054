/**
 * #14 review round 2: a reload is "all or nothing" (reload.ts) — but the proxy's own change is not.
 * A backend whose removed connections are still draining cannot be added back, and the two paths
 * that add one back (a later server of the same reload; the undo after a later part fails) leave
 * the proxy half changed while the reload reports failure and "the running config is kept".
 * Real proxy, real sockets; the scenario is the issue's own: a long-lived proxied connection.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Socket } from 'node:net';
import type { AgentConfig } from '../../src/cli/agent.js';
import { createReloader } from '../../src/cli/reload.js';
import type { ReloadParts } from '../../src/cli/reload.js';
import { Registry } from '../../src/core/registry.js';
import { Proxy } from '../../src/proxy/index.js';
import type { ProxyServerOptions } from '../../src/proxy/index.js';
import type { TestBackend } from '../helpers/backends.js';
import { dial, startBackend } from '../helpers/backends.js';


const server = (name: string, backends: readonly TestBackend[]): ProxyServerOptions => ({ name, bind: '127.0.0.1:0', backends: backends.map((b) => ({ host: '127.0.0.1', port: b.port })) });
const config = (servers: ProxyServerOptions[], extra: Partial<AgentConfig> = {}): AgentConfig => ({ listen: '127.0.0.1:0', proxy: { servers, naming: 'meterkit', drainTimeout: 1000 }, ...extra }) as AgentConfig;
const keys = (p: Proxy, name: string): string[] => (p.server(name)?.backends() ?? []).map((b) => b.key);

describe('r14b a failed reload leaves the proxy as it was', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  const held: Socket[] = [];
  cleanup.push(async () => void held.forEach((s) => s.destroy()));

  it('a later server that cannot take its settings (a draining backend added back) leaves an earlier server unchanged', async () => {
    const [a, b, x, y] = await Promise.all([startBackend('A', 'hold'), startBackend('B', 'id'), startBackend('X', 'id'), startBackend('Y', 'hold')]);
    cleanup.push(async () => void (await Promise.all([a, b, x, y].map((t) => t.stop()))));
    const proxy = new Proxy();
    cleanup.push(() => proxy.close());
    const first = config([server('web1', [a]), server('web2', [y])]);
    for (const s of first.proxy?.servers ?? []) await proxy.addServer(s);
    // a long-lived connection through web2 to Y
    const client = await dial(proxy.server('web2')?.boundAddress().port ?? 0);
    held.push(client);
    client.write('hello');
    await y.receivedAtLeast(5);
    let next = config([server('web1', [a]), server('web2', [x])]);
    const parts: ReloadParts = { proxy, notifier: null, monitor: null, remountMetrics: () => {} };
    const lines: string[] = [];
    const reload = createReloader({ initial: first, source: () => next, parts, recorder: new Registry(), log: (l) => lines.push(l) });
    assert.equal((await reload()).ok, true, 'Y removed while its connection drains');
    // web1 moves to B; web2 takes Y back, which is still draining: the reload fails…
    next = config([server('web1', [b]), server('web2', [x, y])]);
    const r = await reload();
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /draining/);
    // …and says the running config is kept: then web1 must still go to A
    assert.match(lines.at(-1) ?? '', /the running config is kept/);
    assert.deepEqual(keys(proxy, 'web1'), [a.address], 'web1 was changed by a reload that failed and said the running config is kept');
  });

  it('the undo after a later part fails puts back a backend whose connection is still open', async () => {
    const [a, b] = await Promise.all([startBackend('A', 'hold'), startBackend('B', 'id')]);
    cleanup.push(async () => void (await Promise.all([a, b].map((t) => t.stop()))));
    const proxy = new Proxy();
    cleanup.push(() => proxy.close());
    const endpoint = { name: 'hook', url: 'http://127.0.0.1:9/', headers: {} };
    const notify = { endpoints: [endpoint], queue: 'memory', stateDir: '/tmp', role: 'both' } as AgentConfig['notify'];
    const first = config([server('web', [a])], { notify });
    for (const s of first.proxy?.servers ?? []) await proxy.addServer(s);
    const client = await dial(proxy.server('web')?.boundAddress().port ?? 0);
    held.push(client);
    client.write('hello');
    await a.receivedAtLeast(5);
    // the notifier refuses its new endpoints when applied (a durable queue that fails, say)
    const parts: ReloadParts = {
      proxy,
      notifier: { reconfigure: async () => Promise.reject(new Error('queue failed')) } as never,
      monitor: null,
      remountMetrics: () => {},
    };
    const next = config([server('web', [b])], { notify: { ...notify, endpoints: [{ ...endpoint, timeout: 2000 }] } as AgentConfig['notify'] });
    const reload = createReloader({ initial: first, source: () => next, parts, recorder: new Registry(), log: () => {} });
    const r = await reload();
    assert.equal(r.ok, false);
    // all or nothing: the proxy goes back to A (the connection to A is the long-lived one)
    assert.doesNotMatch(r.error ?? '', /putting back the running config failed/);
    assert.deepEqual(keys(proxy, 'web'), [a.address]);
  });
});
