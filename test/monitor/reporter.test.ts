/**
 * The reporting side: what a batch holds, one send in flight at most, failures told once per
 * episode and never thrown, informers measured, and the timing rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CPU_METRIC, EVENT_LOOP_LAG_METRIC, PING_METRIC, RSS_METRIC, cpuInformer, defaultInformers, eventLoopLagInformer, rssInformer } from '../../src/monitor/informers.js';
import type { Informer } from '../../src/monitor/informers.js';
import { Reporter, reportTiming } from '../../src/monitor/reporter.js';
import type { MetricInput } from '../../src/monitor/types.js';

/** A sender whose sends finish when the test says so. */
function gatedSender(): { send: (b: MetricInput[]) => Promise<void>; batches: MetricInput[][]; finish: (err?: Error) => void } {
  const batches: MetricInput[][] = [];
  let pending: Array<(err?: Error) => void> = [];
  return {
    batches,
    send: (b) =>
      new Promise<void>((resolve, reject) => {
        batches.push(b);
        pending.push((err) => (err ? reject(err) : resolve()));
      }),
    finish: (err) => {
      const p = pending;
      pending = [];
      for (const f of p) f(err);
    },
  };
}

describe('Reporter', () => {
  it('sends ping plus one metric per informer, each with the ttl and the peer id', async () => {
    const batches: MetricInput[][] = [];
    const r = new Reporter({ peer: 'p1', interval: 1000, ttl: 3000, send: async (b) => void batches.push(b), informers: [{ name: 'answer', read: () => 42 }] });
    assert.equal(await r.report(), true);
    assert.deepEqual(batches, [
      [
        { name: PING_METRIC, peer: 'p1', value: '', ttl: 3000 },
        { name: 'answer', peer: 'p1', value: 42, ttl: 3000 },
      ],
    ]);
    assert.deepEqual(r.stats, { sent: 1, failed: 0, skipped: 0 });
    await r.close();
    assert.equal(await r.report(), false, 'nothing is sent once closed');
  });

  it('has CPU, memory and event-loop lag by default, with documented names and sane values', async () => {
    const r = new Reporter({ peer: 'p', send: async () => undefined });
    const b = r.batch();
    assert.deepEqual(b.map((m) => m.name), [PING_METRIC, CPU_METRIC, RSS_METRIC, EVENT_LOOP_LAG_METRIC]);
    const rss = b.find((m) => m.name === RSS_METRIC)?.value as number;
    assert.ok(rss > 1024 * 1024 && rss === Math.floor(rss), `rss ${rss} bytes`);
    for (const m of b.slice(1)) assert.ok(typeof m.value === 'number' && m.value >= 0 && m.valid === undefined, JSON.stringify(m));
    assert.equal(r.ttl, 15_000, 'default ttl');
    assert.equal(r.interval, 5000, 'default interval');
    await r.close();
  });

  it('CPU informer: busy work reads as CPU time over wall time', () => {
    let wall = 0;
    const cpu = cpuInformer(() => wall);
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 20_000) {
      // burn 20 ms of CPU
    }
    wall = 10; // pretend 10 ms passed: at least 20 ms of CPU over 10 ms is ≥ 2 cores' worth
    assert.ok((cpu.read() as number) >= 2);
    assert.equal(cpu.read(), 0, 'no wall time passed since: 0, not a division by zero');
    assert.equal(rssInformer().name, RSS_METRIC);
  });

  it('event-loop lag informer: a blocked loop shows as the max delay since the last read', async () => {
    const lag = eventLoopLagInformer();
    try {
      // let the histogram take a first sample, then block the loop for 150 ms
      await new Promise((r) => setTimeout(r, 50));
      const until = Date.now() + 150;
      while (Date.now() < until) {
        // blocked
      }
      await new Promise((r) => setTimeout(r, 50));
      const v = lag.read() as number;
      assert.ok(v >= 100, `lag ${v} ms`);
      assert.ok((lag.read() as number) < v, 'reset by the read');
    } finally {
      lag.close?.();
    }
  });

  it('a failing informer sends its metric as invalid, and is told once until it recovers', async () => {
    const errors: string[] = [];
    let fail = true;
    const flaky: Informer = {
      name: 'flaky',
      read: () => {
        if (fail) throw new Error('no reading');
        return 1;
      },
    };
    const nan: Informer = { name: 'nan', read: () => NaN };
    const r = new Reporter({ peer: 'p', interval: 100, ttl: 300, send: async () => undefined, informers: [flaky, nan], onError: (e) => errors.push(e.message) });
    assert.deepEqual(r.batch()[1], { name: 'flaky', peer: 'p', value: '', valid: false, ttl: 300 });
    r.batch();
    fail = false;
    assert.deepEqual(r.batch()[1], { name: 'flaky', peer: 'p', value: 1, ttl: 300 });
    fail = true;
    r.batch();
    assert.equal(errors.filter((e) => /informer "flaky" failed: no reading/.test(e)).length, 2, errors.join('\n'));
    assert.equal(errors.filter((e) => /informer "nan" failed: it read NaN/.test(e)).length, 1, errors.join('\n'));
    await r.close();
  });

  it('never overlaps sends: a report while one is in flight is skipped and counted', async () => {
    const g = gatedSender();
    const r = new Reporter({ peer: 'p', interval: 100, ttl: 300, send: g.send, informers: [] });
    const first = r.report();
    assert.equal(await r.report(), false);
    assert.equal(await r.report(), false);
    assert.equal(g.batches.length, 1);
    g.finish();
    assert.equal(await first, true);
    assert.deepEqual(r.stats, { sent: 1, failed: 0, skipped: 2 });
    const second = r.report();
    assert.equal(g.batches.length, 2, 'a new send once the previous one finished');
    g.finish();
    await second;
    await r.close();
  });

  it('failed sends: counted, told once per episode, never thrown', async () => {
    const g = gatedSender();
    const errors: Error[] = [];
    const r = new Reporter({ peer: 'p9', interval: 100, ttl: 300, send: g.send, informers: [], onError: (e) => errors.push(e) });
    for (const outcome of [new Error('refused'), new Error('refused again'), undefined, new Error('down')]) {
      const p = r.report();
      g.finish(outcome);
      await p;
    }
    assert.deepEqual(r.stats, { sent: 1, failed: 3, skipped: 0 });
    assert.deepEqual(
      errors.map((e) => e.message),
      ['peer "p9" could not report: refused (said once until a report succeeds)', 'peer "p9" could not report: down (said once until a report succeeds)'],
    );
    assert.equal((errors[0] as Error & { code: string }).code, 'ERR_METERKIT_MONITOR_REPORT');
    // a sender that throws synchronously is a failed send too
    const r2 = new Reporter({ peer: 'p', interval: 100, ttl: 300, informers: [], send: () => { throw new Error('sync'); }, onError: (e) => errors.push(e) });
    assert.equal(await r2.report(), true);
    assert.deepEqual(r2.stats, { sent: 0, failed: 1, skipped: 0 });
    await Promise.all([r.close(), r2.close()]);
  });

  it('start() reports at once and then every interval; close() waits for the send in flight', async () => {
    const g = gatedSender();
    const r = new Reporter({ peer: 'p', interval: 20, ttl: 100, send: g.send, informers: defaultInformers() }).start();
    assert.equal(g.batches.length, 1, 'the first report goes at once');
    g.finish();
    // the next tick sends again (awaited by polling the sender, not by sleeping a fixed time)
    while (g.batches.length < 2) await new Promise((res) => setImmediate(res));
    let closed = false;
    const closing = r.close().then(() => (closed = true));
    await new Promise((res) => setImmediate(res));
    assert.equal(closed, false, 'close waits for the send in flight');
    g.finish();
    await closing;
    const n = g.batches.length;
    await new Promise((res) => setTimeout(res, 60));
    assert.equal(g.batches.length, n, 'no report after close');
  });

  it('checks its options: peer, sender, and ttl more than the interval', () => {
    const send = async (): Promise<void> => undefined;
    assert.throws(() => new Reporter({ peer: '', send }), /invalid reporter peer "": it must be a string of 1 to 256 characters/);
    assert.throws(() => new Reporter({ peer: 'p', send: 'x' as never }), /invalid reporter send/);
    assert.throws(() => new Reporter({ peer: 'p', send, interval: 0 }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /invalid report interval 0/ });
    assert.throws(() => new Reporter({ peer: 'p', send, interval: 1000, ttl: 1000 }), /invalid report ttl 1000: it must be more than the report interval \(1000 ms\)/);
    assert.deepEqual(reportTiming(10_000, undefined), { interval: 10_000, ttl: 30_000 }, 'default ttl: three intervals when longer than 15 s');
    assert.deepEqual(reportTiming(undefined, undefined), { interval: 5000, ttl: 15_000 });
  });
});
