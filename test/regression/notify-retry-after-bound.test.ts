/**
 * Regression (review of #12): a receiver's Retry-After replaces the computed wait and is only
 * capped at the longest timer (MAX_TIMER_MS, about 24.8 days): one 429 with
 * `Retry-After: 999999999` parks the endpoint for weeks with attempts left, whatever
 * `maxBackoff` says. "Bounded everything": the wait should stay within maxBackoff (or another
 * documented bound). It failed before the fix.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Broadcaster } from '../../src/notify/index.js';
import { Broadcaster as B, MemoryQueue } from '../../src/notify/index.js';
import type { Receiver } from '../helpers/receiver.js';
import { ManualClock, startReceiver } from '../helpers/receiver.js';

const open: Array<Broadcaster | Receiver> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

describe('notify: a hostile Retry-After', () => {
  for (const value of ['999999999', 'Fri, 31 Dec 9999 23:59:59 GMT']) {
    it(`Retry-After: ${value} waits no longer than maxBackoff`, async () => {
      const r = await startReceiver();
      open.push(r);
      const clock = new ManualClock();
      r.script([{ status: 429, headers: { 'retry-after': value } }], { status: 200 });
      const b = new B({ endpoints: [{ name: 'a', url: r.url, backoff: 1000, maxBackoff: 60_000 }], source: { instance: 't', addr: '127.0.0.1:0' }, queue: new MemoryQueue(), clock });
      open.push(b);
      await b.write({ id: 'ev-1', action: 'x.y', target: { type: 't', id: '1' } });
      const wait = await clock.timerSet();
      assert.ok(wait <= 60_000, `the sender waits ${wait} ms (${(wait / 86_400_000).toFixed(1)} days) on the receiver's word; maxBackoff is 60000`);
    });
  }
});
