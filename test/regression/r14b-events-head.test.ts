/**
 * #14 review round 2: every /api/v1 path answers GET and HEAD (README), but `HEAD /api/v1/events`
 * is served as a stream: no headers are ever sent (a HEAD response has no body to flush them), the
 * request never ends, and it holds one of the `maxClients` event-stream slots (and its series stay
 * watched) for as long as the prober keeps the connection — `curl -I` or a health probe locks the
 * live view out.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Agent } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';


describe('r14b HEAD /api/v1/events', () => {
  let agent: Agent;
  const open: Array<() => void> = [];
  before(async () => {
    agent = await startAgent({ listen: '127.0.0.1:0', process: true, dashboardMaxClients: 1, log: () => {} });
  });
  after(async () => {
    for (const o of open) o();
    await agent?.close();
  });

  it('answers at once, and takes no event-stream slot', async () => {
    const u = new URL(agent.url);
    const path = `/api/v1/events?series=${encodeURIComponent('process_resident_memory_bytes')}`;
    const status = await new Promise<number | string>((resolve) => {
      const req = request({ host: u.hostname, port: u.port, method: 'HEAD', path }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      req.on('error', (e) => resolve(e.message));
      req.end();
      open.push(() => req.destroy());
      // a bound on an answer that must come at once, so that the failure is named rather than a hang
      setTimeout(() => resolve('no answer in 2 s'), 2000).unref();
    });
    const get = await fetch(`${agent.url}${path}`);
    open.push(() => void get.body?.cancel().catch(() => undefined));
    assert.equal(status, 200, 'HEAD got no answer');
    assert.equal(get.status, 200, 'a HEAD request holds the only event-stream slot');
  });
});
