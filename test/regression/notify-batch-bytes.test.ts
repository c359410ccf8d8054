/**
 * Regression (#12 review, finding 12): a batch was bounded by its number of events only, so
 * maxEvents (up to 10 000) events of up to 64 KiB each made one request of up to 640 MiB.
 * `maxBatchBytes` (default 1 MiB, at least EVENT_MAX_BYTES) bounds the events' JSON of one
 * request; an event is never split, and one alone always goes. Failed before the fix: the 10
 * events below went in one request of about 200 KB.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Broadcaster, DEFAULT_MAX_BATCH_BYTES, EVENT_MAX_BYTES, MemoryQueue, resolveEndpointConfig } from '../../src/notify/index.js';
import { startReceiver } from '../helpers/receiver.js';
import type { Receiver } from '../helpers/receiver.js';

const open: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

describe('notify: the byte bound of a batch', () => {
  it('defaults to 1 MiB and refuses less than one event may weigh', () => {
    assert.equal(resolveEndpointConfig({ name: 'a', url: 'http://127.0.0.1:1/' }).maxBatchBytes, DEFAULT_MAX_BATCH_BYTES);
    assert.throws(() => resolveEndpointConfig({ name: 'a', url: 'http://127.0.0.1:1/', maxBatchBytes: EVENT_MAX_BYTES - 1 }), /maxBatchBytes of endpoint "a" 65535: it must be a whole number ≥ 65536/);
  });

  it('splits a backlog into requests of at most maxBatchBytes of events, in order', async () => {
    const r: Receiver = await startReceiver();
    open.push(r);
    const b = new Broadcaster({ queue: new MemoryQueue(), endpoints: [{ name: 'a', url: r.url, maxEvents: 100, maxBatchBytes: EVENT_MAX_BYTES }], source: { instance: 't', addr: 'x' } });
    open.push(b);
    const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);
    await b.write(ids.map((id) => ({ id, action: 'x.y', target: { type: 't', id }, data: 'x'.repeat(20_000) })));
    await r.deliveredAtLeast(10);
    assert.deepEqual(r.delivered, ids);
    for (const q of r.requests) assert.ok(Buffer.byteLength(q.body) <= EVENT_MAX_BYTES + 16, `a request of ${Buffer.byteLength(q.body)} bytes`);
    assert.deepEqual(r.requests.map((q) => q.ids.length), [3, 3, 3, 1]);
  });
});
