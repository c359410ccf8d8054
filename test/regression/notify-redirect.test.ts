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
});
