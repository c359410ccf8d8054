/**
 * Regression (review of #12): the issue asks for events "with a unique id", receivers dedupe
 * by it, and JetStream de-duplicates by message id `<endpoint>/<event id>`. One write (one
 * POST /notify/v1/events) holding two different events with the same id is accepted whole:
 * SQLite and memory deliver both (a receiver deduping by id drops the second), JetStream
 * stores the first and silently drops the second, while the 202 lists both. The same input
 * means different outcomes per queue, and an accepted event is lost on one of them. A
 * repeated id inside one write should be refused (400 naming the index), like any other rule
 * of the event. It failed before the fix.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Broadcaster, MemoryQueue } from '../../src/notify/index.js';

const b = new Broadcaster({ endpoints: [{ name: 'a', url: 'http://127.0.0.1:1/' }], source: { instance: 't', addr: '127.0.0.1:0' }, queue: new MemoryQueue(), deliver: false });
after(() => b.close());

describe('notify: event ids within one write', () => {
  it('two different events with the same id in one write are refused, naming the second', async () => {
    await assert.rejects(
      b.write([
        { id: 'deploy-42', action: 'deploy.started', target: { type: 'svc', id: 'api' } },
        { id: 'deploy-42', action: 'deploy.finished', target: { type: 'svc', id: 'api' } },
      ]),
      (err: Error & { code?: string }) => err.code === 'ERR_METERKIT_INVALID_EVENT' && /event 1/.test(err.message) && err.message.includes('deploy-42'),
    );
    assert.equal(b.endpoints()[0]?.stats.read().Events, 0, 'nothing of the write is stored');
  });
});
