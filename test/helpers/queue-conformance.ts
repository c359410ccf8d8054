/**
 * The conformance suite of a NotifyQueue: what every implementation (memory, SQLite, NATS
 * JetStream) must do. Call it from a test file with a function that opens a fresh, empty
 * queue (optionally with a bound of `maxPending` events per endpoint).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeterkitError } from '../../src/index.js';
import type { NotifyEvent, NotifyQueue } from '../../src/notify/index.js';
import { normalizeEvent } from '../../src/notify/index.js';

const SRC = { instance: 'i', addr: 'a:1' };
/** An event with id `id`. */
export const ev = (id: string, action = 'x.y'): NotifyEvent => normalizeEvent({ id, action, target: { type: 't', id } }, SRC);
/** The ids of queued events or dead letters. */
export const ids = (q: Array<{ id: string }>): string[] => q.map((e) => e.id);
/** A predicate for assert.rejects: a MeterkitError with code `c`. */
export const code = (c: string) => (err: unknown) => err instanceof MeterkitError && err.code === c;

/** Opens a fresh, empty queue, with a bound of `maxPending` events and `maxDeadLetters` dead letters per endpoint when given. */
export type OpenQueue = (maxPending?: number, maxDeadLetters?: number) => Promise<NotifyQueue>;

/**
 * The dead-letter store's bound, the same in every queue: at most `maxDeadLetters` per
 * endpoint; past it the oldest are dropped (a dead letter is never refused) and counted.
 */
export async function checkDeadLetterBound(open: OpenQueue): Promise<void> {
  const q = await open(undefined, 3);
  try {
    const reason = { kind: 'status', status: 400, message: '400 Bad Request', attempts: 1 } as const;
    await q.append([{ endpoint: 'a', events: ['1', '2', '3', '4', '5'].map((i) => ev(i)) }, { endpoint: 'b', events: [ev('b1')] }]);
    await q.deadLetter('a', await q.take('a', 2), reason);
    await q.deadLetter('b', await q.take('b', 1), reason);
    assert.equal(q.deadLettersDropped?.('a'), 0);
    await q.deadLetter('a', await q.take('a', 3), reason);
    assert.equal(q.deadLetterCount('a'), 3, 'the store holds maxDeadLetters');
    assert.equal(q.deadLettersDropped?.('a'), 2, 'the drops are counted');
    assert.deepEqual((await q.deadLetters({ endpoint: 'a' })).map((d) => d.event.id), ['3', '4', '5'], 'the oldest went');
    assert.equal(q.deadLetterCount('b'), 1, 'per endpoint');
    assert.equal(q.deadLettersDropped?.('b'), 0);
    assert.equal(await q.replay({ endpoint: 'a' }), 3);
    assert.equal(q.deadLetterCount('a'), 0);
  } finally {
    await q.close();
  }
}

/** Declares the conformance suite for one kind of queue. */
export function describeQueueConformance(kind: string, open: OpenQueue): void {
describe(`notify queue: ${kind}`, () => {
  it('keeps per-endpoint order through take, release, ack', async () => {
    const q = await open();
    await q.append([{ endpoint: 'a', events: [ev('1'), ev('2'), ev('3')] }, { endpoint: 'b', events: [ev('1')] }]);
    await q.append([{ endpoint: 'a', events: [ev('4')] }]);
    assert.equal(q.pending('a'), 4);
    assert.equal(q.pending('b'), 1);
    const first = await q.take('a', 2);
    assert.deepEqual(ids(first), ['1', '2']);
    assert.deepEqual(ids(await q.take('a', 10)), ['3', '4'], 'leased events are not taken twice');
    assert.deepEqual(await q.take('a', 10), []);
    await q.release('a', first);
    // releasing the first batch puts it back at the head (the second lease stays out)
    const again = await q.take('a', 2);
    assert.deepEqual(ids(again), ['1', '2']);
    await q.ack('a', again);
    assert.equal(q.pending('a'), 2);
    assert.equal(JSON.parse((again[0] as { json: string }).json).target.id, '1');
    assert.deepEqual(ids(await q.take('b', 5)), ['1']);
    await q.close();
  });

  it('dead-letters, lists, and replays to the end of the list', async () => {
    const q = await open();
    await q.append([{ endpoint: 'a', events: [ev('1', 'p.up'), ev('2'), ev('3')] }]);
    const b = await q.take('a', 2);
    await q.deadLetter('a', b, { kind: 'status', status: 400, message: '400 Bad Request', attempts: 1 });
    assert.equal(q.pending('a'), 1);
    assert.equal(q.deadLetterCount('a'), 2);
    const dl = await q.deadLetters({ endpoint: 'a' });
    assert.deepEqual(dl.map((d) => d.event.id), ['1', '2']);
    assert.deepEqual(dl[0]?.reason, { kind: 'status', status: 400, message: '400 Bad Request', attempts: 1 });
    assert.equal(dl[0]?.event.action, 'p.up');
    assert.deepEqual(await q.deadLetters({ endpoint: 'other' }), []);
    assert.equal((await q.deadLetters({ limit: 1 })).length, 1);
    assert.equal(await q.replay({ ids: ['2'] }), 1);
    assert.equal(q.deadLetterCount('a'), 1);
    assert.deepEqual(ids(await q.take('a', 10)), ['3', '2']);
    assert.equal(await q.replay(), 1);
    assert.equal(q.pending('a'), 3);
    await q.close();
  });

  it('waitFor wakes on append and on abort', async () => {
    const q = await open();
    const ac = new AbortController();
    let woke = false;
    const w = q.waitFor('a', 2, ac.signal).then(() => (woke = true));
    await q.append([{ endpoint: 'a', events: [ev('1')] }]);
    await new Promise((r) => setImmediate(r));
    assert.equal(woke, false, 'one event is not two');
    await q.append([{ endpoint: 'a', events: [ev('2')] }]);
    await w;
    const ac2 = new AbortController();
    const w2 = q.waitFor('b', 1, ac2.signal);
    ac2.abort();
    await w2;
    await q.close();
  });

  it('refuses writes past its bound (nothing stored) and work after close', async () => {
    const q = await open(3);
    await q.append([{ endpoint: 'a', events: [ev('1'), ev('2')] }]);
    await assert.rejects(q.append([{ endpoint: 'b', events: [ev('x')] }, { endpoint: 'a', events: [ev('3'), ev('4')] }]), code('ERR_METERKIT_NOTIFY_QUEUE_FULL'));
    assert.equal(q.pending('b'), 0, 'all or nothing');
    await q.close();
    await assert.rejects(q.append([{ endpoint: 'a', events: [ev('5')] }]), code('ERR_METERKIT_NOTIFY_QUEUE'));
    await assert.rejects(async () => q.take('a', 1), code('ERR_METERKIT_NOTIFY_QUEUE'));
  });

  it('bounds the dead letters per endpoint: the oldest dropped and counted', () => checkDeadLetterBound(open));

  it('settling out of order is refused', async () => {
    const q = await open();
    await q.append([{ endpoint: 'a', events: [ev('1'), ev('2')] }]);
    await q.take('a', 1);
    const second = await q.take('a', 1);
    await assert.rejects(async () => q.ack('a', second), code('ERR_METERKIT_NOTIFY_QUEUE'));
    await q.close();
  });
});
}
