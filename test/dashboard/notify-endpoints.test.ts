/**
 * `GET /notify/v1/endpoints`: what the dashboard's Notifications view polls instead of
 * `/debug/vars` (which runs every collector and serializes the registry): each endpoint's vars,
 * behind the agent's auth, with the URL redacted as /debug/vars shows it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Agent } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';

const TOKEN = 'dash-t0ken';
const AUTH = { authorization: `Bearer ${TOKEN}` };

describe('GET /notify/v1/endpoints', () => {
  let agent: Agent;
  before(async () => {
    agent = await startAgent({
      listen: '127.0.0.1:0',
      process: false,
      auth: { token: TOKEN },
      notify: { endpoints: [{ name: 'hook', url: 'http://127.0.0.1:9/hook?sig=Qs3cr3t', headers: { 'X-Key': 'v4lue' } }], queue: 'memory', stateDir: '' },
      log: () => {},
    });
  });
  after(async () => {
    await agent?.close();
  });

  it("answers each endpoint's vars, redacted, behind the agent's auth", async () => {
    const url = `${agent.url}/notify/v1/endpoints`;
    assert.equal((await fetch(url)).status, 401);
    const r = await fetch(url, { headers: AUTH });
    assert.equal(r.status, 200);
    const text = await r.text();
    const list = JSON.parse(text) as Array<{ name: string; url: string; Headers: string[]; Metrics: Record<string, number> }>;
    assert.equal(list.length, 1);
    assert.equal(list[0]?.name, 'hook');
    assert.deepEqual(list[0]?.Headers, ['X-Key']);
    assert.equal(typeof list[0]?.Metrics.Pending, 'number');
    assert.ok(!text.includes('Qs3cr3t') && !text.includes('v4lue'), text);
    const head = await fetch(url, { method: 'HEAD', headers: AUTH });
    assert.equal(head.status, 200);
    assert.equal((await fetch(url, { method: 'DELETE', headers: AUTH })).status, 405);
  });
});
