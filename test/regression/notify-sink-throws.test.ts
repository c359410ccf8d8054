/**
 * Regression (review of #12): HttpSink.send "never rejects", but node:http throws
 * ERR_INVALID_CHAR synchronously for a header value outside Latin-1. Two inputs reach that:
 * an event id such as "日本" (normalizeEvent allows it) sent alone to a signed endpoint (it
 * becomes `webhook-id`), and a configured header value (resolveEndpointConfig only refuses
 * control characters). The throw lands in the sender loop's queue-failure branch: the batch
 * is released and retried forever, never delivered, never dead-lettered, and every later
 * event of the endpoint waits behind it (with maxEvents 1, or whenever nothing else joins its
 * batch: a batch of several gets a `batch_` id and goes). They failed before the fix.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Broadcaster } from '../../src/notify/index.js';
import type { NotifyEvent } from '../../src/notify/index.js';
import { Broadcaster as B, MemoryQueue, resolveEndpointConfig } from '../../src/notify/index.js';
import type { Receiver } from '../helpers/receiver.js';
import { startReceiver } from '../helpers/receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const open: Array<Broadcaster | Receiver> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

describe('notify: a request node:http refuses to build', () => {
  it('an event id that cannot be a header is refused by the event rule, naming the rule', async () => {
    const b = new B({ endpoints: [{ name: 'a', url: 'http://127.0.0.1:1/' }], source: { instance: 't', addr: '127.0.0.1:0' }, queue: new MemoryQueue(), deliver: false });
    open.push(b);
    await assert.rejects(b.write({ id: '日本-1', action: 'x.y', target: { type: 't', id: '1' } }), (err: Error & { code?: string }) => err.code === 'ERR_METERKIT_INVALID_EVENT' && /visible ASCII/.test(err.message) && /webhook-id/.test(err.message));
  });

  // a queue may still hold such an id (written by an older producer, or by hand on JetStream):
  // the attempt that cannot be built is counted and dead-lettered, and the next event goes
  it('an event already queued with an id outside Latin-1, on a signed endpoint, is dead-lettered and does not block the next event', async () => {
    const r = await startReceiver();
    open.push(r);
    const errors: Error[] = [];
    const queue = new MemoryQueue();
    const stored = (id: string, n: string): NotifyEvent => ({ id, timestamp: '2026-11-22T04:00:00Z', action: 'x.y', target: { type: 't', id: n }, source: { instance: 't', addr: '127.0.0.1:0' } });
    await queue.append([{ endpoint: 'a', events: [stored('日本-1', '1'), stored('plain-2', '2')] }]);
    const b = new B({
      endpoints: [{ name: 'a', url: r.url, secret: SECRET, backoff: 5, maxBackoff: 10, maxAttempts: 2, maxEvents: 1 }],
      source: { instance: 't', addr: '127.0.0.1:0' },
      queue,
      onError: (e) => errors.push(e),
    });
    open.push(b);
    await r.deliveredAtLeast(1);
    assert.deepEqual(r.delivered, ['plain-2']);
    const dead = await b.deadLetters();
    assert.deepEqual(dead.map((d) => [d.event.id, d.reason.kind, d.reason.attempts]), [['日本-1', 'request', 1]], 'dead-lettered at the first attempt: sending again cannot help');
    assert.match(dead[0]?.reason.message ?? '', /ERR_INVALID_CHAR|Invalid character/);
    assert.equal(b.vars().endpoints[0]?.Metrics.Errors, 1, 'the attempt is counted');
    assert.deepEqual(errors, [], 'not a queue failure');
  });

  it('a header value node:http cannot send is refused by the endpoint configuration, not at every attempt', () => {
    assert.throws(
      () => resolveEndpointConfig({ name: 'a', url: 'http://127.0.0.1:1/', headers: { 'X-Team': 'Zürich-日本' } }),
      (err: Error & { code?: string }) => err.code === 'ERR_METERKIT_INVALID_ARGUMENT' && !err.message.includes('日本'),
    );
  });
});
