/**
 * The broadcaster's life: configuration errors, all-or-nothing writes, close during a backoff
 * (the batch stays queued and a restart delivers it), a failing queue reported through
 * onError without stopping the sender.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MeterkitError } from '../../src/index.js';
import type { EndpointConfig, EventInput, NotifyQueue, QueuedEvent } from '../../src/notify/index.js';
import { Broadcaster, MemoryQueue, openBroadcaster } from '../../src/notify/index.js';
import { until } from '../helpers/backends.js';
import type { Receiver } from '../helpers/receiver.js';
import { ManualClock, startReceiver } from '../helpers/receiver.js';
import { tempDir } from '../helpers/tools.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const code = (c: string, not?: string) => (err: unknown) => err instanceof MeterkitError && err.code === c && (not === undefined || !err.message.includes(not));
const ev = (id: string, action = 'a.b') => ({ id, action, target: { type: 't', id } });

describe('notify broadcaster lifecycle', () => {
  const closing: Array<{ close(): Promise<void> }> = [];
  const dir = tempDir('notify-life');
  let r: Receiver;
  after(async () => {
    for (const c of closing.reverse()) await c.close();
    dir.remove();
  });

  it('refuses bad configurations naming the option, never a secret or a header value', async () => {
    r = await startReceiver();
    closing.push(r);
    const bad = (endpoints: EndpointConfig[], pattern: RegExp, hidden?: string) =>
      assert.throws(() => new Broadcaster({ endpoints }), (err: unknown) => code('ERR_METERKIT_INVALID_ARGUMENT', hidden)(err) && pattern.test((err as Error).message));
    bad([{ name: 'a', url: r.url }, { name: 'a', url: r.url }], /"a" is used twice/);
    bad([{ name: 'a b', url: r.url }], /endpoint name "a b"/);
    bad([{ name: 'a', url: 'ftp://x/' }], /url of endpoint "a" "ftp:\/\/x\/": it must be an http: or https: URL/);
    bad([{ name: 'a', url: 'not a url' }], /url of endpoint "a" "not a url"/);
    bad([{ name: 'a', url: 'http://u:pw@h/', format: 'xml' as 'meterkit' }], /format/, 'pw');
    bad([{ name: 'a', url: r.url, headers: { 'Content-Type': 'x' } }], /the sender sets it itself/);
    bad([{ name: 'a', url: r.url, headers: { Authorization: 'Bearer x\r\nInjected: 1' } }], /value of header Authorization/, 'Bearer');
    bad([{ name: 'a', url: r.url, backoff: 5000, maxBackoff: 1000 }], /maxBackoff of endpoint "a" 1000: it must be at least backoff/);
    bad([{ name: 'a', url: r.url, maxAttempts: 0 }], /maxAttempts/);
    bad([{ name: 'a', url: r.url, timeout: 1.5 }], /timeout/);
    bad([{ name: 'a', url: r.url, secret: 'whsec_short' }], /webhook secret/, 'short');
    await assert.rejects(openBroadcaster({ endpoints: [] }), code('ERR_METERKIT_INVALID_ARGUMENT'));
    await assert.rejects(openBroadcaster({ endpoints: [], queue: 'nats' as 'memory' }), code('ERR_METERKIT_INVALID_ARGUMENT'));
    await assert.rejects(openBroadcaster({ endpoints: [{ name: 'a', url: 'ftp://x/' }], stateDir: dir.dir + '/bad' }), code('ERR_METERKIT_INVALID_ARGUMENT'));
  });

  it('stores all of a write or none of it; ignored everywhere is not stored', async () => {
    const b = new Broadcaster({ endpoints: [{ name: 'a', url: r.url, ignore: { actions: ['skip'] } }], deliver: false });
    closing.push(b);
    await assert.rejects(b.write([ev('1'), { action: 'x' } as unknown as EventInput]), (err: unknown) => code('ERR_METERKIT_INVALID_EVENT')(err) && /\(event 1\): target undefined/.test((err as Error).message));
    assert.equal(b.vars().endpoints[0]?.Metrics.Pending, 0);
    const [stored] = await b.write(ev('2', 'skip'));
    assert.equal(stored?.id, '2');
    assert.equal(b.vars().endpoints[0]?.Metrics.Events, 0);
    await b.write(ev('3'));
    assert.equal(b.vars().endpoints[0]?.Metrics.Pending, 1);
    assert.deepEqual(b.queueKind, { kind: 'memory', durable: false });
    await b.close();
    await b.close();
    await assert.rejects(b.write(ev('4')), code('ERR_METERKIT_NOTIFY_QUEUE'));
  });

  it('close during a backoff keeps the batch queued; a restart on the state dir delivers it in order', async () => {
    const clock = new ManualClock();
    r.script([], { status: 500 });
    const endpoints = [{ name: 'a', url: r.url, threshold: 1, secret: SECRET }];
    const b = await openBroadcaster({ stateDir: dir.dir, endpoints, clock, random: () => 0.5 });
    await b.write([ev('1'), ev('2')]);
    await b.write(ev('3'));
    assert.equal(await clock.timerSet(), 750, 'backing off after the first failure (threshold 1, jitter)');
    await b.close();
    assert.equal(r.delivered.length, 0);
    r.script([], { status: 200 });
    const again = await openBroadcaster({ stateDir: dir.dir, endpoints, clock });
    closing.push(again);
    assert.equal(again.vars().endpoints[0]?.Metrics.Pending, 3);
    await r.deliveredAtLeast(3);
    assert.deepEqual(r.delivered, ['1', '2', '3']);
    assert.deepEqual(await again.deadLetters(), []);
  });

  it('reports a failing queue through onError and keeps delivering; a batch whose ack failed is sent again, in order', async () => {
    const clock = new ManualClock();
    const inner = new MemoryQueue();
    let failures = 1;
    let ackFailures = 1;
    const queue: NotifyQueue = Object.assign(Object.create(inner) as NotifyQueue, {
      take: (endpoint: string, max: number): Promise<QueuedEvent[]> => (failures-- > 0 ? Promise.reject(new Error('disk on fire')) : inner.take(endpoint, max)),
      ack: (endpoint: string, events: readonly QueuedEvent[]): Promise<void> => (ackFailures-- > 0 ? Promise.reject(new Error('ack lost')) : inner.ack(endpoint, events)),
    });
    const errors: Error[] = [];
    const r2 = await startReceiver();
    closing.push(r2);
    const b = new Broadcaster({ queue, endpoints: [{ name: 'a', url: r2.url, backoff: 2000 }], clock, onError: (e) => errors.push(e) });
    closing.push(b);
    await b.write(ev('1'));
    assert.equal(await clock.timerSet(), 2000, 'waits backoff after a queue failure');
    assert.deepEqual(errors.map((e) => e.message), ['disk on fire']);
    clock.advance(2000);
    await r2.deliveredAtLeast(1);
    await b.write(ev('2'));
    assert.equal(await clock.timerSet(), 2000, 'waits backoff after the failed ack');
    assert.deepEqual(errors.map((e) => e.message), ['disk on fire', 'ack lost']);
    clock.advance(2000);
    await until(() => b.vars().endpoints[0]?.Metrics.Pending === 0, 'the acks');
    assert.deepEqual(r2.delivered, ['1', '1', '2'], 'the batch whose ack failed is sent again before the next');
  });
});
