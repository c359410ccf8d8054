/** Alert iterators: bounded queues, drops counted and reported once per burst, queued only while open, ended by close. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from '../../src/core/registry.js';
import { render } from '../../src/prometheus/index.js';
import { Monitor } from '../../src/monitor/index.js';
import type { Alert } from '../../src/monitor/index.js';
import { sampleValue } from '../helpers/backends.js';

/** A monitor with `peers` peers that all expire at the next check. */
function outage(mon: Monitor, clock: { t: number }, peers: number): Alert[] {
  for (let i = 0; i < peers; i++) mon.logMetric({ name: 'ping', peer: `p${i}`, ttl: 10 });
  clock.t += 11;
  return mon.check();
}

describe('alerts()', () => {
  it('delivers every alert to each open iterator, in order, awaiting the next one', async () => {
    const clock = { t: 1000 };
    const mon = new Monitor({ now: () => clock.t });
    const a = mon.alerts();
    const b = mon.alerts();
    const pending = a.next();
    const raised = outage(mon, clock, 3);
    assert.deepEqual((await pending).value, raised[0]);
    assert.deepEqual((await a.next()).value, raised[1]);
    const got: Alert[] = [];
    for await (const alert of b) {
      got.push(alert);
      if (got.length === 3) break;
    }
    assert.deepEqual(got, raised);
    await mon.close();
    assert.deepEqual(await a.next(), { done: false, value: raised[2] }, 'queued alerts can still be taken after close');
    assert.deepEqual(await a.next(), { done: true, value: undefined });
  });

  it('queues nothing while nobody iterates: event-only users see no drops', () => {
    const clock = { t: 1000 };
    const mon = new Monitor({ now: () => clock.t, alertQueueCap: 2 });
    let events = 0;
    mon.on('alert', () => events++);
    outage(mon, clock, 10);
    assert.equal(events, 10);
    assert.equal(mon.dropped, 0);
  });

  it('a full queue drops new alerts, counts each, and reports once per burst', async () => {
    const clock = { t: 1000 };
    const errors: Error[] = [];
    const registry = new Registry();
    const mon = new Monitor({ now: () => clock.t, alertQueueCap: 4, onError: (e) => errors.push(e), recorder: registry });
    const it = mon.alerts();
    const raised = outage(mon, clock, 10);
    assert.equal(raised.length, 10, 'check() returns every alert it raised, queued or not');
    assert.equal(mon.dropped, 6);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as { code?: string }).code, 'ERR_METERKIT_ALERTS_DROPPED');
    assert.match((errors[0] as Error).message, /alert queue full \(4\).*down of ping for peer "p4"/);
    assert.equal(sampleValue(render(registry), 'meterkit_monitor_alerts_dropped_total'), 6);
    // the oldest stay queued
    for (let i = 0; i < 4; i++) assert.equal((await it.next()).value?.peer, `p${i}`);
    // taking ends the burst: the next overflow is reported again
    for (let i = 10; i < 20; i++) mon.logMetric({ name: 'ping', peer: `p${i}`, ttl: 10 });
    clock.t += 11;
    mon.check();
    assert.equal(mon.dropped, 12);
    assert.equal(errors.length, 2);
    await it.return?.();
    outage(mon, clock, 0);
    await mon.close();
  });

  it('break unregisters the iterator; an iterator made after close is done at once', async () => {
    const clock = { t: 1000 };
    const mon = new Monitor({ now: () => clock.t, alertQueueCap: 1 });
    const it = mon.alerts();
    const first = it.next();
    outage(mon, clock, 1);
    assert.equal((await first).value?.peer, 'p0');
    assert.deepEqual(await it.return?.(), { done: true, value: undefined });
    outage(mon, clock, 5);
    assert.equal(mon.dropped, 0, 'a returned iterator queues nothing');
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    const waiting = mon.alerts().next();
    await mon.close();
    assert.deepEqual(await waiting, { done: true, value: undefined });
    assert.deepEqual(await mon.alerts().next(), { done: true, value: undefined });
  });

  it('refuses a second next() while one is pending', async () => {
    const mon = new Monitor();
    const it = mon.alerts();
    const pending = it.next();
    await assert.rejects(it.next(), /before the previous one settled/);
    await mon.close();
    assert.equal((await pending).done, true);
  });

  it('compacts its buffer as alerts are taken (memory stays bounded)', async () => {
    const clock = { t: 1000 };
    const mon = new Monitor({ now: () => clock.t, alertQueueCap: 3 });
    const it = mon.alerts();
    let taken = 0;
    for (let round = 0; round < 5; round++) {
      outage(mon, clock, 2);
      for (let i = 0; i < 2; i++) {
        assert.equal((await it.next()).value?.kind, 'down');
        taken++;
      }
      // the peers come back: two up alerts, taken too
      for (let i = 0; i < 2; i++) mon.logMetric({ name: 'ping', peer: `p${i}`, ttl: 10 });
      for (let i = 0; i < 2; i++) assert.equal((await it.next()).value?.kind, 'up');
    }
    assert.equal(taken, 10);
    assert.equal(mon.dropped, 0);
    await mon.close();
  });
});
