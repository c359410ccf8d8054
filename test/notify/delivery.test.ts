/**
 * Delivery against real HTTP receivers on loopback: failures and recovery, Retry-After,
 * timeouts, resets, threshold and backoff on an injected clock, dead letters and replay,
 * order, signatures, ignore rules, batching and both wire formats.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import type { Broadcaster, BroadcasterOptions, EndpointConfig, EventInput } from '../../src/notify/index.js';
import { Broadcaster as B, CLOUDEVENTS_BATCH_MEDIA_TYPE, EVENTS_MEDIA_TYPE, MemoryQueue, verifyWebhook } from '../../src/notify/index.js';
import { until } from '../helpers/backends.js';
import type { Receiver } from '../helpers/receiver.js';
import { ManualClock, startReceiver } from '../helpers/receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const open: Array<Broadcaster | Receiver> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  open.push(r);
  return r;
}

function broadcaster(endpoints: EndpointConfig[], options: Partial<BroadcasterOptions> = {}): Broadcaster {
  const b = new B({ endpoints, source: { instance: 'test', addr: '127.0.0.1:0' }, queue: new MemoryQueue(), ...options });
  open.push(b);
  return b;
}

const evs = (n: number, from = 0, action = 'thing.happened'): EventInput[] =>
  Array.from({ length: n }, (_, i) => ({ id: `e${from + i}`, action, target: { type: 'thing', id: String(from + i) } }));

const metrics = (b: Broadcaster, i = 0) => (b.vars().endpoints[i] as { Metrics: { Pending: number; Events: number; Successes: number; Failures: number; Errors: number; Statuses: Record<string, number> } }).Metrics;

describe('notify delivery', () => {
  it('retries a failing endpoint until it recovers, counting as distribution does', async () => {
    const r = await receiver();
    r.script([{ status: 500 }, { status: 503 }, { status: 408 }], { status: 200 });
    const b = broadcaster([{ name: 'a', url: r.url, threshold: 100 }]);
    await b.write(evs(2));
    await r.deliveredAtLeast(2);
    assert.deepEqual(r.delivered, ['e0', 'e1']);
    assert.equal(r.requests.length, 4);
    await until(() => metrics(b).Pending === 0, 'the ack');
    assert.deepEqual(metrics(b), {
      Pending: 0,
      Events: 2,
      Successes: 2,
      Failures: 6,
      Errors: 0,
      Statuses: { '500 Internal Server Error': 2, '503 Service Unavailable': 2, '408 Request Timeout': 2, '200 OK': 2 },
    });
    assert.equal(r.requests[0]?.headers['content-type'], EVENTS_MEDIA_TYPE);
    const body = JSON.parse(r.requests[3]?.body ?? '') as { events: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(body), ['events']);
    assert.deepEqual(body.events[0], { id: 'e0', timestamp: body.events[0]?.timestamp, action: 'thing.happened', target: { type: 'thing', id: '0' }, source: { instance: 'test', addr: '127.0.0.1:0' } });
  });

  it('honours Retry-After on 429 (seconds and HTTP date), signing each attempt afresh with the same id', async () => {
    const r = await receiver();
    const clock = new ManualClock();
    r.script([{ status: 429, headers: { 'retry-after': '120' } }, { status: 429, headers: { 'retry-after': new Date(clock.now() + 120_000 + 30_000).toUTCString() } }], { status: 200 });
    // Retry-After is capped at maxBackoff (regression/notify-retry-after-bound): 180 s leaves 120 s whole
    const b = broadcaster([{ name: 'a', url: r.url, secret: SECRET, threshold: 1, backoff: 5, maxBackoff: 180_000 }], { clock });
    await b.write(evs(1));
    assert.equal(await clock.timerSet(), 120_000, 'Retry-After: 120 replaces the computed backoff');
    clock.advance(120_000);
    await r.requestsAtLeast(2);
    assert.equal(await clock.timerSet(), 30_000, 'an HTTP date is a wait until then');
    clock.advance(30_000);
    await r.deliveredAtLeast(1);
    const [a1, a2, a3] = r.requests;
    assert.equal(a1?.headers['webhook-id'], 'e0');
    assert.equal(a3?.headers['webhook-id'], 'e0');
    assert.equal(Number(a2?.headers['webhook-timestamp']) - Number(a1?.headers['webhook-timestamp']), 120);
    assert.equal(Number(a3?.headers['webhook-timestamp']) - Number(a1?.headers['webhook-timestamp']), 150);
    for (const q of r.requests) assert.equal(verifyWebhook(SECRET, q.headers, q.body, { nowSeconds: clock.now() / 1000 }).ok, true);
  });

  it('gives up on an endpoint slower than the timeout and retries (an Error, not a Failure)', async () => {
    const r = await receiver();
    r.script([{ status: 200, delayMs: 1500 }], { status: 200 });
    const b = broadcaster([{ name: 'a', url: r.url, timeout: 100, threshold: 100 }]);
    await b.write(evs(3));
    await until(() => metrics(b).Successes === 3, 'the retry to succeed');
    assert.equal(metrics(b).Errors, 3);
    assert.equal(metrics(b).Failures, 0);
  });

  it('retries after connection resets', async () => {
    const r = await receiver();
    r.script([{ reset: true }, { reset: true }], { status: 204 });
    const b = broadcaster([{ name: 'a', url: r.url, threshold: 100 }]);
    await b.write(evs(1));
    await r.deliveredAtLeast(1);
    await until(() => metrics(b).Successes === 1, 'the ack');
    assert.equal(metrics(b).Errors, 2);
    assert.deepEqual(metrics(b).Statuses, { '204 No Content': 1 });
  });

  it('backs off after threshold failures: doubling, capped, jittered (injected clock)', async () => {
    const r = await receiver();
    const clock = new ManualClock();
    r.script([{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }], { status: 200 });
    const b = broadcaster([{ name: 'a', url: r.url, threshold: 2, backoff: 1000, maxBackoff: 4000 }], { clock, random: () => 0.5 });
    await b.write(evs(1));
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const ms = await clock.timerSet();
      waits.push(ms);
      assert.equal(r.delivered.length, 0);
      clock.advance(ms);
    }
    await r.deliveredAtLeast(1);
    // failure 1: below the threshold, at once; then 1000·2^k capped at 4000, jitter 0.5 → ¾ of it
    assert.deepEqual(waits, [750, 1500, 3000, 3000]);
    assert.equal(r.requests.length, 6);
  });

  it('moves a batch to the dead letters after maxAttempts, and at once on a 4xx; replay delivers them', async () => {
    const r = await receiver();
    r.script([], { status: 500 });
    const reg = new Registry();
    const b = broadcaster([{ name: 'a', url: r.url, threshold: 100, maxAttempts: 3 }], { recorder: reg });
    await b.write(evs(2));
    await until(() => metrics(b).Pending === 0, 'the dead letter');
    assert.equal(r.requests.length, 3);
    const dl = await b.deadLetters();
    assert.deepEqual(dl.map((d) => [d.endpoint, d.event.id, d.reason]), [
      ['a', 'e0', { kind: 'attempts', status: 500, message: '500 Internal Server Error', attempts: 3 }],
      ['a', 'e1', { kind: 'attempts', status: 500, message: '500 Internal Server Error', attempts: 3 }],
    ]);
    r.script([{ status: 404 }], { status: 200 });
    await b.write(evs(1, 2));
    await until(() => metrics(b).Pending === 0 && r.requests.length === 4, 'the 404');
    const dl2 = await b.deadLetters({ ids: ['e2'] });
    assert.deepEqual(dl2[0]?.reason, { kind: 'status', status: 404, message: '404 Not Found', attempts: 1 });
    assert.equal(await b.replay({ endpoint: 'a' }), 3);
    await r.deliveredAtLeast(3);
    assert.deepEqual(r.delivered, ['e0', 'e1', 'e2']);
    assert.deepEqual(await b.deadLetters(), []);
  });

  it('keeps order per endpoint while one endpoint fails and the other does not', async () => {
    const [ra, rb] = [await receiver(), await receiver()];
    const answers = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? { status: 502 } : i % 5 === 0 ? ({ reset: true } as const) : { status: 200 }));
    ra.script(answers, { status: 200 });
    const b = broadcaster([
      { name: 'a', url: ra.url, threshold: 1000, maxEvents: 7 },
      { name: 'b', url: rb.url, maxEvents: 5 },
    ]);
    for (let i = 0; i < 20; i++) await b.write(evs(10, i * 10));
    await ra.deliveredAtLeast(200);
    await rb.deliveredAtLeast(200);
    const want = Array.from({ length: 200 }, (_, i) => `e${i}`);
    assert.deepEqual(ra.delivered, want);
    assert.deepEqual(rb.delivered, want);
    assert.ok(ra.requests.every((q) => q.ids.length <= 7));
  });

  it('signs requests so verifyWebhook accepts them and refuses them tampered', async () => {
    const r = await receiver();
    const b = broadcaster([{ name: 'a', url: r.url, secret: SECRET }]);
    await b.write(evs(3));
    await r.deliveredAtLeast(3);
    const q = r.requests[0];
    assert.ok(q !== undefined);
    assert.match(String(q.headers['webhook-id']), /^batch_[A-Za-z0-9_-]{32}$/);
    assert.equal(verifyWebhook(SECRET, q.headers, q.body).ok, true);
    assert.deepEqual(verifyWebhook(SECRET, q.headers, q.body.replace('e1', 'e9')), { ok: false, reason: 'no-signature-matches' });
    assert.deepEqual(verifyWebhook(SECRET, { ...q.headers, 'webhook-timestamp': String(Number(q.headers['webhook-timestamp']) - 1) }, q.body), { ok: false, reason: 'no-signature-matches' });
  });

  it('applies ignore rules per endpoint, batches by maxEvents and maxWait, and speaks CloudEvents when asked', async () => {
    const [ra, rb] = [await receiver(), await receiver()];
    const clock = new ManualClock();
    const b = broadcaster(
      [
        { name: 'a', url: ra.url, ignore: { actions: ['noise'] }, maxEvents: 3, maxWait: 1000 },
        { name: 'b', url: rb.url, format: 'cloudevents' },
      ],
      { clock },
    );
    await b.write([...evs(2, 0, 'noise'), ...evs(2, 2)]);
    await rb.deliveredAtLeast(4);
    assert.equal(ra.requests.length, 0, 'two events wait for the batch to fill');
    assert.equal(await clock.timerSet(), 1000);
    clock.advance(1000);
    await ra.deliveredAtLeast(2);
    assert.deepEqual(ra.requests.map((q) => q.ids), [['e2', 'e3']]);
    await b.write(evs(4, 4));
    await ra.deliveredAtLeast(5);
    assert.deepEqual(ra.requests[1]?.ids, ['e4', 'e5', 'e6'], 'a full batch goes at once');
    assert.equal(await clock.timerSet(), 1000, 'the last one waits');
    clock.advance(1000);
    await ra.deliveredAtLeast(6);
    assert.equal(rb.requests[0]?.headers['content-type'], CLOUDEVENTS_BATCH_MEDIA_TYPE);
    const ce = JSON.parse(rb.requests[0]?.body ?? '') as Array<Record<string, unknown>>;
    assert.equal(ce[0]?.specversion, '1.0');
    assert.equal(ce[0]?.type, 'io.meterkit.noise');
  });
});
