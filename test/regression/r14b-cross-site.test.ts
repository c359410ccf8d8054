/**
 * #14 review round 2: the dashboard makes the agent a page in the user's browser, so its
 * state-changing POSTs are reachable from any other site the browser visits. `POST /-/reload` and
 * `POST /notify/v1/dead-letters/replay` take no body, so a cross-site form (a "simple" request, no
 * CORS preflight) reaches them — with the browser's cached basic-auth credentials, or with none on
 * an agent bound to 127.0.0.1 without auth (the default). Ingest is safe only because it demands
 * application/json. A request whose Origin is another site must be refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Agent, AgentConfig } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';
import { tempDir } from '../helpers/tools.js';


describe('r14b cross-site POSTs to the agent', () => {
  const tmp = tempDir('r14b-xsite');
  let agent: Agent;
  let reloads = 0;
  before(async () => {
    const config: AgentConfig = {
      listen: '127.0.0.1:0',
      process: false,
      notify: { endpoints: [{ name: 'hook', url: 'http://127.0.0.1:9/', headers: {} }], queue: 'memory', stateDir: tmp.dir, role: 'both' },
    } as AgentConfig;
    agent = await startAgent({ ...config, reloadSource: () => (reloads++, config), log: () => {} });
  });
  after(async () => {
    await agent?.close();
    tmp.remove();
  });

  // what a form on http://evil.example posting to the agent sends
  const crossSite = { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' };

  it('POST /-/reload from another site is refused and reloads nothing', async () => {
    const r = await fetch(`${agent.url}/-/reload`, { method: 'POST', headers: crossSite, body: 'x=1' });
    await r.text();
    assert.equal(reloads, 0, 'a cross-site form reloaded the config');
    assert.equal(r.status, 403);
  });

  it('POST /notify/v1/dead-letters/replay from another site is refused', async () => {
    const r = await fetch(`${agent.url}/notify/v1/dead-letters/replay`, { method: 'POST', headers: crossSite, body: 'x=1' });
    await r.text();
    assert.equal(r.status, 403);
  });

  it('the page itself (same origin) still reloads', async () => {
    const r = await fetch(`${agent.url}/-/reload`, { method: 'POST', headers: { origin: agent.url } });
    assert.equal(r.status, 200);
    await r.text();
  });
});
