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
import type { IncomingMessage } from 'node:http';
import { crossSiteRefusal } from '../../src/http/index.js';
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

  it('POST /notify/v1/events as a cross-site text/plain form is refused before its body is read', async () => {
    const r = await fetch(`${agent.url}/notify/v1/events`, { method: 'POST', headers: { ...crossSite, 'content-type': 'text/plain' }, body: '[{"kind":"x"}]' });
    assert.equal(r.status, 403);
    assert.match(await r.text(), /another site/);
  });

  it('programs (no Origin) are served as before', async () => {
    const r = await fetch(`${agent.url}/notify/v1/dead-letters/replay`, { method: 'POST' });
    assert.equal(r.status, 200);
    await r.text();
  });
});

describe('r14b crossSiteRefusal', () => {
  const req = (method: string, headers: Record<string, string>): IncomingMessage => ({ method, headers }) as unknown as IncomingMessage;
  it('serves reads, programs and the agent\'s own pages', () => {
    assert.equal(crossSiteRefusal(req('GET', { host: 'a:1', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' })), null);
    assert.equal(crossSiteRefusal(req('POST', { host: '127.0.0.1:9464' })), null);
    assert.equal(crossSiteRefusal(req('POST', { host: '127.0.0.1:9464', origin: 'http://127.0.0.1:9464', 'sec-fetch-site': 'same-origin' })), null);
    assert.equal(crossSiteRefusal(req('POST', { host: '[::1]:9464', origin: 'http://[::1]:9464' })), null);
    // default ports, and a proxy that ends TLS in front of the agent
    assert.equal(crossSiteRefusal(req('POST', { host: 'metrics.example', origin: 'https://metrics.example' })), null);
    assert.equal(crossSiteRefusal(req('DELETE', { host: 'Metrics.Example:443', origin: 'https://metrics.example' })), null);
  });
  it('refuses state changes from pages of other sites and origins', () => {
    for (const [method, headers] of [
      ['POST', { host: '127.0.0.1:9464', 'sec-fetch-site': 'cross-site' }],
      // same site, another port: another origin
      ['POST', { host: '127.0.0.1:9464', origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-site' }],
      ['DELETE', { host: '127.0.0.1:9464', origin: 'http://evil.example' }],
      ['PUT', { host: '127.0.0.1:9464', origin: 'null' }],
      ['POST', { origin: 'http://127.0.0.1:9464' }],
    ] as const) {
      assert.match(crossSiteRefusal(req(method, headers)) ?? '', /refused/, `${method} ${JSON.stringify(headers)}`);
    }
  });
});
