/**
 * Regression (review of #12): README and retry.ts say "2xx and 3xx are success (as
 * distribution: a redirect is not followed)". Distribution's httpSink posts with a Go
 * http.Client whose CheckRedirect is unset, so Go follows redirects (a 307/308 re-sends the
 * POST with its body to Location); only a 3xx Go does not follow reaches the 2xx/3xx switch.
 * meterkit instead counts a 307/308 as delivered and deletes the batch: a receiver that moved
 * (308 Permanent Redirect) never gets an event, and nothing is retried or dead-lettered:
 * "lose nothing" fails silently. It failed before the fix.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Broadcaster } from '../../src/notify/index.js';
import { Broadcaster as B, MemoryQueue } from '../../src/notify/index.js';
import { until } from '../helpers/backends.js';
import type { Receiver } from '../helpers/receiver.js';
import { startReceiver } from '../helpers/receiver.js';

const open: Array<Broadcaster | Receiver> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

describe('notify: an endpoint that answers 307/308', () => {
  for (const status of [307, 308]) {
    it(`${status}: the events reach the Location (distribution follows), or are at least not counted as delivered`, async () => {
      const moved = await startReceiver();
      const old = await startReceiver();
      open.push(moved, old);
      old.script([], { status, headers: { location: moved.url } });
      const b = new B({ endpoints: [{ name: 'a', url: old.url, backoff: 5, maxBackoff: 10, maxAttempts: 3 }], source: { instance: 't', addr: '127.0.0.1:0' }, queue: new MemoryQueue() });
      open.push(b);
      await b.write({ id: 'ev-1', action: 'x.y', target: { type: 't', id: '1' } });
      await old.requestsAtLeast(1);
      // settle: either the redirect is followed, or the batch stays (retried / dead-lettered)
      await until(() => moved.delivered.length > 0 || b.vars().endpoints[0]?.Metrics.Pending === 0, 'the attempt to settle', 3000);
      await new Promise((r) => setTimeout(r, 100));
      const dead = await b.deadLetters();
      assert.ok(
        moved.delivered.includes('ev-1') || dead.some((d) => d.event.id === 'ev-1'),
        `a ${status} was taken as delivery: the new location got ${JSON.stringify(moved.delivered)}, dead letters ${dead.length}, Successes ${String(b.vars().endpoints[0]?.Metrics.Successes)}`,
      );
    });
  }

  it('307 to another origin: the body and signature go along, the endpoint\'s own headers (Authorization) do not', async () => {
    const moved = await startReceiver();
    const old = await startReceiver();
    open.push(moved, old);
    old.script([], { status: 307, headers: { location: `${moved.url}?from=old` } });
    const b = new B({ endpoints: [{ name: 'a', url: old.url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers: { Authorization: 'Bearer t0ken', 'X-Team': 'ops' } }], source: { instance: 't', addr: '127.0.0.1:0' }, queue: new MemoryQueue() });
    open.push(b);
    await b.write({ id: 'ev-2', action: 'x.y', target: { type: 't', id: '1' } });
    await moved.deliveredAtLeast(1);
    const [first] = old.requests;
    const [got] = moved.requests;
    assert.equal(first?.headers.authorization, 'Bearer t0ken');
    assert.equal(got?.headers.authorization, undefined, 'Authorization is not sent past the origin (as Go)');
    assert.equal(got?.headers['x-team'], undefined);
    assert.equal(got?.headers['webhook-signature'], first?.headers['webhook-signature'], 'the same signed request');
    assert.equal(got?.body, first?.body);
    await until(() => b.vars().endpoints[0]?.Metrics.Pending === 0, 'the ack');
    assert.deepEqual(b.vars().endpoints[0]?.Metrics.Statuses, { '200 OK': 1 }, 'the final status is counted');
  });

  for (const status of [301, 302, 303]) {
    it(`${status} (Go would resend as a GET without the body): dead-lettered, not counted as delivered`, async () => {
      const moved = await startReceiver();
      const old = await startReceiver();
      open.push(moved, old);
      old.script([], { status, headers: { location: moved.url } });
      const b = new B({ endpoints: [{ name: 'a', url: old.url }], source: { instance: 't', addr: '127.0.0.1:0' }, queue: new MemoryQueue() });
      open.push(b);
      await b.write({ id: 'ev-3', action: 'x.y', target: { type: 't', id: '1' } });
      await until(() => b.vars().endpoints[0]?.Metrics.Pending === 0, 'the dead letter');
      const dead = await b.deadLetters();
      assert.deepEqual(dead.map((d) => [d.event.id, d.reason.kind, d.reason.status]), [['ev-3', 'status', status]]);
      assert.equal(moved.requests.length, 0);
      assert.equal(b.vars().endpoints[0]?.Metrics.Successes, 0);
    });
  }

  it('a redirect loop ends after 10 hops as an error (retried, then dead-lettered)', async () => {
    const loop = await startReceiver();
    open.push(loop);
    loop.script([], { status: 308, headers: { location: '/again' } });
    const b = new B({ endpoints: [{ name: 'a', url: loop.url, maxAttempts: 1 }], source: { instance: 't', addr: '127.0.0.1:0' }, queue: new MemoryQueue() });
    open.push(b);
    await b.write({ id: 'ev-4', action: 'x.y', target: { type: 't', id: '1' } });
    await until(() => b.vars().endpoints[0]?.Metrics.Pending === 0, 'the dead letter');
    assert.equal(loop.requests.length, 11, 'the first request and 10 hops');
    const dead = await b.deadLetters();
    assert.match(dead[0]?.reason.message ?? '', /stopped after 10 redirects/);
    assert.equal(b.vars().endpoints[0]?.Metrics.Errors, 1);
  });
});
