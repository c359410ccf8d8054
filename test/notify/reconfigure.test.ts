/** Broadcaster.reconfigure: endpoints change while running and no queued event is lost. */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { Broadcaster, MemoryQueue } from '../../src/notify/index.js';
import type { Receiver } from '../helpers/receiver.js';
import { startReceiver } from '../helpers/receiver.js';

const receivers: Receiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

it('moves an endpoint to a new URL and delivers what was queued for it there', async () => {
  const failing = await startReceiver();
  const working = await startReceiver();
  receivers.push(failing, working);
  failing.script([], { status: 503 });
  const b = new Broadcaster({ queue: new MemoryQueue(), endpoints: [{ name: 'ops', url: failing.url, backoff: 50, maxBackoff: 100 }], onError: () => undefined });
  try {
    const written = await b.write([1, 2, 3].map((i) => ({ action: 'test.event', target: { type: 't', id: String(i) } })));
    await failing.requestsAtLeast(1);
    await b.reconfigure([{ name: 'ops', url: working.url }, { name: 'audit', url: working.url }]);
    await working.deliveredAtLeast(3);
    assert.deepEqual(working.delivered, written.map((e) => e.id));
    assert.deepEqual(b.endpoints().map((e) => e.name), ['ops', 'audit']);
    const same = b.endpoints()[1];
    // unchanged: left running as it is
    await b.reconfigure([{ name: 'ops', url: working.url }, { name: 'audit', url: working.url }]);
    assert.equal(b.endpoints()[1], same);
    await assert.rejects(b.reconfigure([{ name: 'x', url: working.url }, { name: 'x', url: working.url }]), { code: 'ERR_METERKIT_INVALID_ARGUMENT' });
    assert.deepEqual(b.endpoints().map((e) => e.name), ['ops', 'audit']);
  } finally {
    await b.close();
  }
});
