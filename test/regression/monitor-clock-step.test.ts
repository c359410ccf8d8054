/**
 * Monitor deadlines were computed on the wall clock (`Date.now`): a step of it (NTP, a manual
 * `date -s`) marked every peer down (a jump forward) or hid a dead one (a jump back). Now they
 * are measured on a monotonic clock, and the wall clock is used only for the times shown.
 * `Date.now` is replaced in this test only, to step the wall clock.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Monitor } from '../../src/monitor/index.js';
import type { Alert } from '../../src/monitor/index.js';

const realNow = Date.now;
let step = 0;
/** Steps the wall clock by `ms` (cumulative), as NTP or `date -s` would. */
function stepWallClock(ms: number): void {
  step += ms;
}
// installed before each monitor is made, so a monitor that keeps the function itself sees the steps too
beforeEach(() => {
  Date.now = () => realNow() + step;
});
afterEach(() => {
  Date.now = realNow;
  step = 0;
});

const HOUR = 3_600_000;

describe('regression: the monitor survives a step of the wall clock', () => {
  it('a jump forward does not mark a live peer down, and the times shown follow the wall clock', () => {
    const mon = new Monitor();
    const alerts: Alert[] = [];
    mon.on('alert', (a) => alerts.push(a));
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 60_000 });
    const before = mon.status()[0];
    stepWallClock(2 * HOUR);
    mon.check();
    assert.deepEqual(alerts, [], 'a live peer went down because the wall clock jumped');
    const after = mon.status()[0];
    assert.equal(after?.state, 'up');
    // shown on the wall clock as it reads now: moved by the step (within the ms that passed)
    const moved = (after?.lastSeen as number) - (before?.lastSeen as number);
    assert.ok(Math.abs(moved - 2 * HOUR) < 1000, `lastSeen moved by ${moved} ms, not by the 2 h step`);
    assert.equal(mon.lastMetrics('ping').length, 1, 'the metric is still live');
    void mon.close();
  });

  it('a jump back does not hide a dead peer (monotonic time injected, wall clock stepped)', () => {
    const mono = { t: 1000 };
    const mon = new Monitor({ monotonic: () => mono.t });
    const alerts: Alert[] = [];
    mon.on('alert', (a) => alerts.push(a));
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 5_000 });
    stepWallClock(-HOUR);
    mono.t += 5_001; // the ttl has passed
    mon.check();
    assert.deepEqual(alerts.map((a) => `${a.kind} ${a.peer}`), ['down a'], 'the dead peer was hidden by the clock going back');
    const down = alerts[0] as Alert;
    assert.ok(Math.abs(down.time - Date.now()) < 1000, 'the alert time is on the wall clock');
    void mon.close();
  });

  it('an absolute expire is read on the wall clock as it is at arrival', () => {
    const mono = { t: 0 };
    const mon = new Monitor({ monotonic: () => mono.t });
    stepWallClock(HOUR);
    // a peer whose clock agrees with ours sends an expiry 10 s ahead of the stepped wall clock
    const m = mon.logMetric({ name: 'ping', peer: 'a', expire: Date.now() + 10_000 });
    assert.ok(Math.abs(m.expire - (m.receivedAt + 10_000)) < 1000);
    mono.t += 9_000;
    assert.deepEqual(mon.check(), [], 'not expired yet');
    mono.t += 2_000;
    assert.equal(mon.check()[0]?.kind, 'down');
    void mon.close();
  });
});
