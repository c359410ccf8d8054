/**
 * The agent's notifications end to end, with real processes: `meterkit agent --notify` to a
 * `meterkit webhook-listen` that verifies signatures. Events posted to /notify/v1/events,
 * a monitor down alert and a proxy backend's death arrive signed; an agent SIGKILLed with
 * events queued delivers them when restarted on the same --state-dir.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { killAgents, spawnAgent } from '../helpers/agents.js';
import type { Listener } from '../helpers/webhook-listen.js';
import { spawnListener } from '../helpers/webhook-listen.js';
import { freePort, tempDir, waitFor } from '../helpers/tools.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

describe('agent --notify (real processes)', { timeout: 180_000 }, () => {
  const listeners: Listener[] = [];
  const dirs: Array<{ remove: () => void }> = [];
  const servers: Server[] = [];
  const listen = async (args: string[] = ['--secret', SECRET], addr?: string): Promise<Listener> => {
    const l = await spawnListener(args, addr);
    listeners.push(l);
    return l;
  };
  const stateDir = (): string => {
    const t = tempDir('notify-agent');
    dirs.push(t);
    return t.dir;
  };
  after(async () => {
    await killAgents();
    for (const l of listeners) await l.stop();
    for (const s of servers) s.close();
    for (const d of dirs) d.remove();
  });

  it('POST /notify/v1/events: 202 once queued, ids kept or assigned, delivered signed; 400/413/415; vars and metrics', async () => {
    const l = await listen();
    const agent = await spawnAgent(['--auth-token', 'tok', '--notify', `${l.url}/hook,name=hook,secret=${SECRET},header=Authorization:Bearer hidden-value`, '--state-dir', stateDir()], /notifications to hook/);
    const auth = { Authorization: 'Bearer tok' };
    const url = `${agent.url}/notify/v1/events`;
    assert.equal((await post(url, [])).status, 401, 'auth as the agent');
    const res = await post(url, [{ id: 'app-1', action: 'deploy.done', target: { type: 'app', id: 'web' }, data: { version: 3 } }, { action: 'deploy.start', target: { type: 'app', id: 'api' } }], auth);
    assert.equal(res.status, 202);
    const body = (await res.json()) as { accepted: number; ids: string[] };
    assert.equal(body.accepted, 2);
    assert.equal(body.ids[0], 'app-1');
    assert.match(body.ids[1] as string, /^[0-9a-f-]{36}$/);
    const env = await post(url, { events: [{ action: 'deploy.undo', target: { type: 'app', id: 'web' } }] }, auth);
    assert.equal(env.status, 202, 'an envelope is accepted too');
    const got = await l.waitForEvents(3);
    const first = got.find((e) => e.id === 'app-1');
    assert.deepEqual(first?.data, { version: 3 });
    assert.equal(first?.action, 'deploy.done');
    assert.deepEqual(got.map((e) => e.action).sort(), ['deploy.done', 'deploy.start', 'deploy.undo']);

    const bad = await post(url, [{ action: 'ok', target: { type: 'a', id: 'b' } }, { action: 'no spaces', target: { type: 'a', id: 'b' } }], auth);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /event 1.*action "no spaces"/);
    assert.equal((await post(url, { nope: 1 }, auth)).status, 400);
    assert.equal((await post(url, 'not json', auth)).status, 400);
    assert.equal((await fetch(url, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/plain' }, body: '[]' })).status, 415);
    const big = await post(url, 'x'.repeat(5 * 1024 * 1024), auth).catch((err: unknown) => err);
    // the agent answers 413 and closes; a client still writing may see the reset instead
    if (big instanceof Response) assert.equal(big.status, 413);
    assert.equal((await fetch(url, { headers: auth })).status, 405);

    const vars = await (await fetch(`${agent.url}/debug/vars`, { headers: auth })).text();
    const parsed = JSON.parse(vars) as { notifications: { endpoints: Array<{ name: string; Metrics: { Successes: number; Statuses: Record<string, number> } }> } };
    const ep = parsed.notifications.endpoints[0];
    assert.equal(ep?.name, 'hook');
    assert.ok((ep?.Metrics.Successes ?? 0) >= 3);
    assert.ok((ep?.Metrics.Statuses['204 No Content'] ?? 0) >= 1);
    assert.doesNotMatch(vars, /MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw|hidden-value/, 'neither the secret nor a header value is published (the cmdline included)');
    const metrics = await (await fetch(`${agent.url}/metrics`, { headers: auth })).text();
    assert.match(metrics, /^meterkit_notifications_events_total\{type="Successes",action="deploy.done",artifact="",endpoint="hook"\} 1$/m);
    assert.match(metrics, /^meterkit_notifications_pending\{endpoint="hook"\} 0$/m);
    assert.doesNotMatch(metrics, /MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw|hidden-value/);
    assert.equal(l.log().includes('refused'), false, l.log());
    await agent.stop();
  });

  it('the listener refuses a request whose signature does not verify (401)', async () => {
    const l = await listen();
    const res = await post(`${l.url}/x`, { events: [] }, { 'webhook-id': 'm1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /no-signature-matches/);
    const wrong = await listen(['--secret', 'whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkhIQ==']);
    const agent = await spawnAgent(['--notify', `${wrong.url}/hook,name=w,secret=${SECRET},max-attempts=1`, '--notify-queue', 'memory']);
    assert.equal((await post(`${agent.url}/notify/v1/events`, [{ action: 'a', target: { type: 't', id: 'i' } }])).status, 202);
    await waitFor(async () => (wrong.log().includes('refused') ? true : undefined), 30_000, 'a refusal at the listener');
    const dead = await waitFor(async () => {
      const r = (await (await fetch(`${agent.url}/notify/v1/dead-letters`)).json()) as Array<{ endpoint: string; reason: { status?: number } }>;
      return r.length > 0 ? r : undefined;
    }, 30_000, 'a dead letter');
    assert.equal(dead[0]?.endpoint, 'w');
    assert.equal(dead[0]?.reason.status, 401);
    assert.equal(wrong.events().length, 0);
    await agent.stop();
  });

  it('format=cloudevents: the listener verifies and prints each CloudEvent', async () => {
    const l = await listen();
    const agent = await spawnAgent(['--notify', `${l.url}/ce,secret=${SECRET},format=cloudevents`, '--notify-queue', 'memory']);
    assert.equal((await post(`${agent.url}/notify/v1/events`, [{ id: 'ce-1', action: 'deploy.done', target: { type: 'app', id: 'web' } }])).status, 202);
    const [ce] = await l.waitForEvents(1);
    assert.equal(ce?.specversion, '1.0');
    assert.equal(ce?.id, 'ce-1');
    assert.equal(ce?.type, 'io.meterkit.deploy.done');
    assert.equal(ce?.subject, 'app/web');
    await agent.stop();
  });

  it('a monitor down alert becomes a peer.down notification', async () => {
    const l = await listen();
    const agent = await spawnAgent(['--monitor', '--monitor-check-interval', '50ms', '--notify', `${l.url}/hook,secret=${SECRET}`, '--notify-queue', 'memory']);
    const r = await post(`${agent.url}/monitor/v1/metrics`, [{ name: 'ping', peer: 'p1', value: 1, ttl: 200 }]);
    assert.equal(r.status, 200);
    const got = await l.waitForEvents(1);
    const down = got.find((e) => e.action === 'peer.down');
    assert.ok(down, JSON.stringify(got));
    assert.deepEqual(down.target, { type: 'peer', id: 'p1' });
    assert.equal((down.data as { metric: string }).metric, 'ping');
    await agent.stop();
  });

  it('a proxy backend that dies becomes a backend.dead notification', async () => {
    const l = await listen();
    const backend = createServer((s) => s.end());
    servers.push(backend);
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const port = (backend.address() as { port: number }).port;
    const agent = await spawnAgent(['--proxy-bind', '127.0.0.1:0', '--backend', `127.0.0.1:${port}`, '--healthcheck', 'ping,interval=50ms,timeout=500ms', '--notify', `${l.url}/hook,secret=${SECRET}`, '--notify-queue', 'memory'], /proxy "default"/);
    await new Promise<void>((r) => backend.close(() => r()));
    const got = await l.waitForEvents(1);
    const dead = got.find((e) => e.action === 'backend.dead');
    assert.ok(dead, JSON.stringify(got));
    assert.deepEqual(dead.target, { type: 'backend', id: `127.0.0.1:${port}`, name: 'default' });
    await agent.stop();
  });

  it('events queued when the agent is SIGKILLed are delivered after a restart on the same --state-dir', async () => {
    const port = await freePort();
    const dir = stateDir();
    // nothing listens yet: every attempt fails, the events stay queued
    const spec = `http://127.0.0.1:${port}/hook,name=hook,secret=${SECRET},backoff=100ms,max-backoff=200ms,max-attempts=1000`;
    const first = await spawnAgent(['--notify', spec, '--state-dir', dir]);
    const ids: string[] = [];
    for (let b = 0; b < 5; b++) {
      const batch = Array.from({ length: 20 }, (_, i) => ({ id: `k-${b}-${i}`, action: 'kill.test', target: { type: 't', id: String(i) } }));
      ids.push(...batch.map((e) => e.id));
      assert.equal((await post(`${first.url}/notify/v1/events`, batch)).status, 202);
    }
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null);
    const l = await listen(['--secret', SECRET], `127.0.0.1:${port}`);
    const second = await spawnAgent(['--notify', spec, '--state-dir', dir]);
    const got = await l.waitForEvents(ids.length);
    assert.deepEqual([...new Set(got.map((e) => e.id))].sort(), [...ids].sort());
    await second.stop();
  });
});
