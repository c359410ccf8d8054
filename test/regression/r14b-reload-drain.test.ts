/**
 * #14 review round 2: `proxy.drain_timeout` is taken by a reload (reload.ts passes it to
 * Proxy.reconfigure and keeps it in the config in force, and does not list it as needing a
 * restart), but the agent's close() drains with the value it started with (src/cli/agent.ts
 * `proxy?.close(config.proxy?.drainTimeout …)`): after a reload that raises it, SIGTERM still
 * cuts open proxy connections at once.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentConfig } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';
import { closed, dial, startBackend } from '../helpers/backends.js';


describe('r14b a reloaded drain_timeout holds at shutdown', () => {
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const s of stops.reverse()) await s();
  });

  it('open connections get the reloaded drain_timeout when the agent closes', async () => {
    const a = await startBackend('A', 'hold');
    stops.push(() => a.stop());
    const server = { name: 'web', bind: '127.0.0.1:0', backends: [{ host: '127.0.0.1', port: a.port }] };
    const first = { listen: '127.0.0.1:0', process: false, proxy: { servers: [server], naming: 'meterkit', drainTimeout: 0 } } as AgentConfig;
    const next = { ...first, proxy: { ...first.proxy, drainTimeout: 3000 } } as AgentConfig;
    const agent = await startAgent({ ...first, reloadSource: () => next, log: () => {} });
    const r = await agent.reload();
    assert.deepEqual(r, { ok: true, restart: [] }, 'the reload takes drain_timeout and says no restart is needed');
    const client = await dial(agent.proxy?.server('web')?.boundAddress().port ?? 0);
    client.write('x');
    await a.receivedAtLeast(1);
    const closing = agent.close();
    // a connection with 3 s to drain is still open 300 ms into the shutdown
    const cut = await Promise.race([closed(client).then(() => true), new Promise<false>((res) => setTimeout(() => res(false), 300))]);
    client.end();
    await closing;
    assert.equal(cut, false, 'the open connection was cut at once: close() drained with the drain_timeout the agent started with (0)');
  });
});
