/**
 * Regression (review of #12): a message on an endpoint's JetStream subject that is not JSON
 * (a foreign or older producer, a hand-made `nats pub`) makes JetStreamQueue.held() throw from
 * take(). The message was pulled but never put in the buffer, so it is neither renewed, nor
 * nak'ed, nor acked, nor dead-lettered: the sender reports a queue failure, backs off, and the
 * server redelivers it after ackWait, for ever. The events behind it (same subject) wait for
 * ever too. Worse, when the long poll pulls it, held() throws inside the nats.js subscription
 * callback: nats.js logs "reader closed" and the connection stops working, so every later
 * append of this process times out. A poison message should go to the dead-letter store (or be acked and counted) so
 * the list moves on. It failed before the fix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { Broadcaster, JetStreamQueue } from '../../src/notify/index.js';
import { startNatsServer } from '../helpers/nats.js';
import type { NatsServer } from '../helpers/nats.js';
import { startReceiver } from '../helpers/receiver.js';
import type { Receiver } from '../helpers/receiver.js';
import { needs, tempDir } from '../helpers/tools.js';

const skip = needs('nats-server').skip;
let server: NatsServer | undefined;
const store = tempDir('r12-poison');
const open: Array<{ close(): Promise<void> }> = [];
/** The queue's own connection: closed by hand when the queue's close() hangs, or it redials for ever. */
let queueConnection: { close(): Promise<void> } | undefined;
before(async () => {
  if (skip === undefined) server = await startNatsServer(['-js', '-sd', store.dir]);
});
// close() may never resolve once the connection's reader died (seen here): bounded, then the server goes
const bounded = (p: Promise<void>): Promise<void> => Promise.race([p, new Promise<void>((r) => setTimeout(r, 5000).unref())]);
after(async () => {
  for (const o of open.reverse()) await bounded(o.close());
  await queueConnection?.close();
  await server?.stop();
  store.remove();
});

describe('notify jetstream: a message that is not an event', { skip }, () => {
  it('does not block the endpoint for ever: it is dead-lettered and the next event is delivered', { timeout: 30_000 }, async () => {
    const url = (server as NatsServer).url;
    const rx: Receiver = await startReceiver();
    open.push(rx);
    const q = await JetStreamQueue.open({ servers: url, stream: 'P1', subjectPrefix: 'p1', ackWait: 1000 });
    queueConnection = (q as unknown as { nc: { close(): Promise<void> } }).nc;
    const errors: string[] = [];
    const b = new Broadcaster({ queue: q, endpoints: [{ name: 'a', url: rx.url, backoff: 50, maxBackoff: 100 }], source: { instance: 't', addr: 'x' }, onError: (e) => errors.push(e.message) });
    open.push(b);
    const nc = await connect({ servers: url });
    await nc.publish('p1.events.a', 'not json');
    await nc.flush();
    await nc.close();
    // the worker's long poll has the poison message in hand by now: its callback throws into nats.js
    await new Promise((r) => setTimeout(r, 300));
    const written = await b.write({ id: 'good-1', action: 'x.y', target: { type: 't', id: '1' } }).then(
      () => 'stored',
      (e: Error) => `refused: ${e.message}`,
    );
    assert.equal(written, 'stored', 'a write after the poison message was pulled (the throw in the pull callback closed the connection\'s reader)');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !rx.delivered.includes('good-1')) await new Promise((r) => setTimeout(r, 50));
    assert.ok(rx.delivered.includes('good-1'), `the event behind the poison message was not delivered in 5 s; ${errors.length} errors reported, first: ${errors[0] ?? 'none'}`);
    // dead-lettered with its raw bytes, counted, and reported through the broadcaster's onError
    const dead = await b.deadLetters();
    assert.equal(dead.length, 1);
    assert.equal(dead[0]?.reason.kind, 'malformed');
    assert.equal(Buffer.from((dead[0]?.event.data as { raw: string }).raw, 'base64').toString(), 'not json');
    assert.equal(q.malformed('a'), 1);
    assert.ok(errors.some((m) => /not JSON/.test(m) && /dead letters/.test(m)), `reported: ${JSON.stringify(errors)}`);
  });
});
