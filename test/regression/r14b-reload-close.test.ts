/**
 * #14 review round 2: a reload that runs while the agent closes (a POST /-/reload in flight when
 * SIGTERM comes: the HTTP server is among the last parts to close) reconfigures a proxy that is
 * already closed: Proxy has no closed state, so a server the file adds starts listening after
 * close() — a listener nobody closes, which keeps the process alive.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentConfig } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';
import { startBackend } from '../helpers/backends.js';


describe('r14b a reload during close', () => {
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const s of stops) await s();
  });

  it('starts no proxy server after the agent closed', async () => {
    const backend = await startBackend('A', 'id');
    stops.push(() => backend.stop());
    const one = { name: 'web', bind: '127.0.0.1:0', backends: [{ host: '127.0.0.1', port: backend.port }] };
    const first = { listen: '127.0.0.1:0', process: false, proxy: { servers: [one], naming: 'meterkit', drainTimeout: 0 } } as AgentConfig;
    const next = { ...first, proxy: { ...first.proxy, servers: [one, { ...one, name: 'extra' }] } } as AgentConfig;
    const agent = await startAgent({ ...first, reloadSource: () => next, log: () => {} });
    const closing = agent.close();
    const reloaded = agent.reload();
    await Promise.all([closing, reloaded]);
    const extra = agent.proxy?.server('extra');
    // cleanup whatever leaked, so that the test process can end
    stops.push(async () => void (await agent.proxy?.close()));
    assert.equal(extra, undefined, `proxy server "extra" was started by a reload after close() (listening: ${String(extra?.boundAddress().port)})`);
  });
});
