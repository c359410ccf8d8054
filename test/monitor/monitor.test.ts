/** The monitor with an injected clock: windows, ttl expiry, one down per outage then one up, peer sets, forgetting. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DebuggingRecorder } from '../../src/core/debugging.js';
import { Monitor } from '../../src/monitor/index.js';
import type { Alert, MonitorOptions } from '../../src/monitor/index.js';

/** A monitor on a clock the test moves, with its background errors collected. */
function clocked(options: MonitorOptions = {}): { mon: Monitor; clock: { t: number }; errors: Error[]; alerts: Alert[] } {
  const clock = { t: 1_700_000_000_000 };
  const errors: Error[] = [];
  const alerts: Alert[] = [];
  const mon = new Monitor({ now: () => clock.t, onError: (e) => errors.push(e), ...options });
  mon.on('alert', (a) => alerts.push(a));
  return { mon, clock, errors, alerts };
}

describe('Monitor: windows', () => {
  it('keeps the last windowCap metrics per (metric, peer), newest first, and returns what it stored', () => {
    const { mon, clock } = clocked({ windowCap: 3 });
    for (let i = 0; i < 5; i++) {
      clock.t += 1000;
      const m = mon.logMetric({ name: 'ping', peer: 'a', value: i, ttl: 5000 });
      assert.deepEqual(m, { name: 'ping', peer: 'a', value: i, valid: true, expire: clock.t + 5000, receivedAt: clock.t });
      // a copy of what is stored: changing it changes nothing inside
      (m as { value: unknown }).value = 'changed';
      assert.equal(mon.latest('ping', 'a')?.value, i);
    }
    mon.logMetric({ name: 'cpu', peer: 'a', value: 'hot', ttl: 5000 });
    assert.deepEqual(mon.window('ping', 'a').map((m) => m.value), [4, 3, 2]);
    assert.deepEqual(mon.window('cpu', 'a').map((m) => m.value), ['hot']);
    assert.deepEqual(mon.window('ping', 'b'), []);
    assert.deepEqual(mon.window('mem', 'a'), []);
    assert.equal(mon.latest('ping', 'a')?.value, 4);
    assert.equal(mon.latest('ping', 'zz'), undefined);
    const w = mon.window('ping', 'a');
    w.pop();
    assert.equal(mon.window('ping', 'a').length, 3);
  });

  it('a window of one holds the latest only; value defaults to "" and expire is taken as given', () => {
    const { mon, clock } = clocked({ windowCap: 1 });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 10 });
    mon.logMetric({ name: 'ping', peer: 'a', expire: clock.t + 99, valid: false });
    assert.deepEqual(mon.window('ping', 'a'), [{ name: 'ping', peer: 'a', value: '', valid: false, expire: clock.t + 99, receivedAt: clock.t }]);
  });

  it('logMetrics logs a whole batch, or nothing when one is bad, naming its index', () => {
    const { mon } = clocked();
    assert.equal(mon.logMetrics([{ name: 'ping', peer: 'a', ttl: 100 }, { name: 'ping', peer: 'a', ttl: 100 }, { name: 'ping', peer: 'b', ttl: 100 }]), 3);
    assert.equal(mon.window('ping', 'a').length, 2);
    assert.throws(() => mon.logMetrics([{ name: 'ping', peer: 'c', ttl: 100 }, { name: 'ping', peer: 'a', ttl: -1 }]), { code: 'ERR_METERKIT_INVALID_METRIC', message: /metric \[1\] ttl.*-1/ });
    assert.equal(mon.latest('ping', 'c'), undefined);
    assert.equal(mon.window('ping', 'a').length, 2);
    assert.throws(() => mon.logMetrics({ name: 'ping' }), { code: 'ERR_METERKIT_INVALID_METRIC', message: /JSON array/ });
    assert.equal(mon.logMetrics([]), 0);
  });
});

describe('Monitor: ttl detector and alerts', () => {
  it('raises one down per outage, then one up on recovery, with peer, metric, times and no phi', () => {
    const { mon, clock, alerts } = clocked();
    const t0 = clock.t;
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 1000 });
    mon.logMetric({ name: 'ping', peer: 'b', ttl: 1000 });
    assert.deepEqual(mon.check(), []);
    clock.t += 1000; // exactly at expire: not yet expired (ipfs-cluster: now > expire)
    assert.deepEqual(mon.check(), []);
    clock.t += 1;
    mon.logMetric({ name: 'ping', peer: 'b', ttl: 1000 });
    const raised = mon.check();
    assert.deepEqual(raised, [{ peer: 'a', metric: 'ping', kind: 'down', time: clock.t, lastSeen: t0 }]);
    assert.equal('phi' in (raised[0] as Alert), false);
    for (let i = 0; i < 5; i++) {
      clock.t += 500;
      mon.logMetric({ name: 'ping', peer: 'b', ttl: 1000 });
      assert.deepEqual(mon.check(), [], 'no second down for the same outage');
    }
    clock.t += 10;
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 1000 });
    assert.deepEqual(alerts, [raised[0], { peer: 'a', metric: 'ping', kind: 'up', time: clock.t, lastSeen: clock.t }]);
    assert.deepEqual(mon.check(), []);
    // a second outage gets its own down
    clock.t += 5000;
    assert.deepEqual(mon.check().map((a) => `${a.kind} ${a.peer}`), ['down a', 'down b']);
  });

  it('reAlertInterval repeats down while the outage lasts', () => {
    const { mon, clock } = clocked({ reAlertInterval: 3000 });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 1000 });
    clock.t += 2000;
    assert.equal(mon.check().length, 1);
    clock.t += 2999;
    assert.equal(mon.check().length, 0);
    clock.t += 1;
    assert.deepEqual(mon.check().map((a) => a.kind), ['down']);
  });

  it('an invalid latest metric is unknown: it never expires into an alert and ends no outage', () => {
    const { mon, clock, alerts } = clocked();
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 100, valid: false });
    clock.t += 1000;
    assert.deepEqual(mon.check(), []);
    assert.equal(mon.status()[0]?.state, 'unknown');
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 100 });
    clock.t += 1000;
    assert.equal(mon.check().length, 1);
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 100, valid: false });
    assert.equal(alerts.length, 1, 'an invalid metric is no recovery');
    assert.deepEqual(mon.check(), []);
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 100 });
    assert.deepEqual(alerts.map((a) => a.kind), ['down', 'up']);
  });

  it('an up judged by a check (expire moved forward by a late metric) ends the outage too', () => {
    const { mon, clock } = clocked({ windowCap: 2 });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 100 });
    clock.t += 200;
    assert.equal(mon.check().length, 1);
    // down judged; the state flips back only through a check when no valid metric arrives:
    // simulate a clock that went back (NTP step) so the stored metric is fresh again
    clock.t -= 150;
    assert.deepEqual(mon.check().map((a) => a.kind), ['up']);
  });
});

describe('Monitor: lastMetrics, status and the peer set', () => {
  it('lastMetrics: the latest valid unexpired metric of each current peer', () => {
    const { mon, clock } = clocked();
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 1000, value: 1 });
    mon.logMetric({ name: 'ping', peer: 'b', ttl: 1000, value: 2 });
    mon.logMetric({ name: 'ping', peer: 'c', ttl: 1000, valid: false });
    mon.logMetric({ name: 'ping', peer: 'd', ttl: 10 });
    mon.logMetric({ name: 'cpu', peer: 'a', ttl: 1000, value: 0.5 });
    clock.t += 11;
    assert.deepEqual(mon.lastMetrics('ping').map((m) => [m.peer, m.value]).sort(), [['a', 1], ['b', 2]]);
    assert.deepEqual(mon.lastMetrics('cpu').map((m) => m.value), [0.5]);
    assert.deepEqual(mon.lastMetrics('nope'), []);
  });

  it('status: every (peer, metric) judged now, sorted by peer then metric', () => {
    const { mon, clock } = clocked();
    mon.logMetric({ name: 'ping', peer: 'b', ttl: 1000, value: 2 });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 10, value: 1 });
    mon.logMetric({ name: 'cpu', peer: 'a', ttl: 1000, value: 'x' });
    const t0 = clock.t;
    clock.t += 11;
    assert.deepEqual(mon.status(), [
      { peer: 'a', metric: 'cpu', value: 'x', lastSeen: t0, expire: t0 + 1000, state: 'up', phi: null },
      { peer: 'a', metric: 'ping', value: 1, lastSeen: t0, expire: t0 + 10, state: 'down', phi: null },
      { peer: 'b', metric: 'ping', value: 2, lastSeen: t0, expire: t0 + 1000, state: 'up', phi: null },
    ]);
  });

  it('a static peer set: peers outside it are ignored by lastMetrics, status and check', () => {
    const { mon, clock } = clocked({ peers: ['a', 'never-reported'] });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 10 });
    mon.logMetric({ name: 'ping', peer: 'x', ttl: 10 });
    assert.deepEqual(mon.lastMetrics('ping').map((m) => m.peer), ['a']);
    assert.deepEqual(mon.status().map((s) => s.peer), ['a']);
    clock.t += 11;
    assert.deepEqual(mon.check().map((a) => a.peer), ['a']);
    assert.equal(mon.latest('ping', 'x')?.peer, 'x', 'held until forgotten, just not judged');
  });

  it('a peer-set function is read on every call; when it throws, lastMetrics returns [] and the error goes to onError', () => {
    let set: string[] = ['a'];
    let fail = false;
    const { mon, clock, errors } = clocked({
      peers: () => {
        if (fail) throw new Error('cluster unreachable');
        return set;
      },
    });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 10 });
    mon.logMetric({ name: 'ping', peer: 'b', ttl: 10 });
    assert.deepEqual(mon.lastMetrics('ping').map((m) => m.peer), ['a']);
    set = ['b'];
    assert.deepEqual(mon.lastMetrics('ping').map((m) => m.peer), ['b']);
    fail = true;
    assert.deepEqual(mon.lastMetrics('ping'), []);
    assert.deepEqual(mon.status(), []);
    clock.t += 100;
    assert.deepEqual(mon.check(), [], 'a check without a peer set raises nothing');
    assert.equal(errors.length, 3);
    assert.equal((errors[0] as { code?: string }).code, 'ERR_METERKIT_PEER_SET');
    assert.match((errors[0] as Error).message, /cluster unreachable/);
    assert.equal((errors[0] as Error).cause instanceof Error, true);
    fail = false;
    set = 'oops' as unknown as string[];
    assert.deepEqual(mon.lastMetrics('ping'), []);
    assert.match((errors[3] as Error).message, /not an array/);
  });

  it('forgets a peer silent for forgetAfter, with its windows; an explicit set keeps its members', () => {
    const { mon, clock } = clocked({ forgetAfter: 60_000 });
    mon.logMetric({ name: 'ping', peer: 'gone', ttl: 10 });
    mon.logMetric({ name: 'cpu', peer: 'gone', ttl: 10 });
    clock.t += 30_000;
    mon.logMetric({ name: 'ping', peer: 'stays', ttl: 10 });
    clock.t += 30_000;
    mon.check();
    assert.equal(mon.window('ping', 'gone').length, 1, 'exactly forgetAfter: still held');
    clock.t += 1;
    mon.check();
    assert.deepEqual(mon.window('ping', 'gone'), []);
    assert.deepEqual(mon.window('cpu', 'gone'), []);
    assert.deepEqual(mon.status().map((s) => s.peer), ['stays']);

    const set = clocked({ forgetAfter: 1000, peers: () => ['member'] });
    set.mon.logMetric({ name: 'ping', peer: 'member', ttl: 10 });
    set.mon.logMetric({ name: 'ping', peer: 'left', ttl: 10 });
    set.clock.t += 5000;
    assert.deepEqual(set.mon.check().map((a) => a.peer), ['member']);
    assert.equal(set.mon.window('ping', 'member').length, 1);
    assert.deepEqual(set.mon.window('ping', 'left'), []);
  });
});

describe('Monitor: options', () => {
  it('refuses bad options with a coded error naming the option', () => {
    const bad: Array<[MonitorOptions, RegExp]> = [
      [{ windowCap: 0 }, /windowCap 0/],
      [{ windowCap: 1.5 }, /windowCap 1\.5/],
      [{ maxWindows: 0 }, /maxWindows 0/],
      [{ checkInterval: 0 }, /checkInterval 0/],
      [{ alertQueueCap: -1 }, /alertQueueCap -1/],
      [{ forgetAfter: Infinity }, /forgetAfter Infinity/],
      [{ reAlertInterval: -5 }, /reAlertInterval -5/],
      [{ peers: 'a' as unknown as string[] }, /peers/],
      [{ peers: ['ok', ''] }, /peers\[1\] ""/],
      [{ now: 5 as unknown as () => number }, /now: it must be a function/],
      [{ onError: 'x' as unknown as () => void }, /onError/],
      [{ detector: { kind: 'nope' } as never }, /detector.kind "nope"/],
      [{ detector: 'phi' as never }, /detector.kind "phi"/],
      [{ detector: { kind: 'phi', threshold: 0 } }, /detector.threshold 0/],
      [{ detector: { kind: 'phi', minStdDev: NaN } }, /detector.minStdDev NaN/],
      [{ detector: { kind: 'phi', acceptablePause: -1 } }, /detector.acceptablePause -1/],
      [{ detector: { kind: 'phi', minSamples: 25 } }, /detector.minSamples.* 25/],
      [{ windowCap: 1, detector: { kind: 'phi' } }, /detector.minSamples/],
    ];
    for (const [o, message] of bad) assert.throws(() => new Monitor(o), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message }, JSON.stringify(o));
    assert.ok(new Monitor({ detector: { kind: 'ttl' } }));
  });

  it('start() checks on an unref\'d timer; close() stops it', async () => {
    const { mon, clock } = clocked({ checkInterval: 1 });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 5 });
    clock.t += 10;
    const down = new Promise<Alert>((resolve) => mon.once('alert', resolve));
    // the monitor's timer is unref'd: something must keep the loop alive while the test waits
    const hold = setInterval(() => {}, 1000);
    after(() => clearInterval(hold));
    assert.equal(mon.start(), mon);
    mon.start(); // idempotent
    assert.equal((await down).kind, 'down');
    await mon.close();
    await mon.close();
    mon.start(); // a closed monitor stays stopped
  });

  it('a throwing listener or check reaches onError; the alert still counts', () => {
    const { mon, clock, errors } = clocked();
    mon.on('alert', () => {
      throw new Error('listener bug');
    });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 5 });
    clock.t += 10;
    assert.equal(mon.check().length, 1);
    assert.match((errors[0] as Error).message, /listener bug/);
  });

  it('a throwing onError becomes a process warning carrying the reported error', async () => {
    const mon = new Monitor({ peers: () => { throw new Error('no cluster'); }, onError: () => { throw new Error('handler bug'); } });
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    mon.check();
    const w = await warned;
    assert.match(w.message, /onError threw: Error: handler bug/);
    assert.match((w.cause as Error).message, /no cluster/);
  });

  it('the timer reports a check that throws (a failing recorder) instead of crashing', async () => {
    // a recorder that runs no collectors: the check writes the gauges, and this one throws
    const rec = new DebuggingRecorder();
    const register = rec.registerGauge.bind(rec);
    rec.registerGauge = (name, labels) => {
      const g = register(name, labels);
      if (name !== 'meterkit_monitor_last_seen_age_seconds') return g;
      return { ...g, set: () => { throw new Error('recorder bug'); } };
    };
    const errors: Error[] = [];
    const hold = setInterval(() => {}, 1000);
    after(() => clearInterval(hold));
    const reported = new Promise<void>((resolve) => {
      const mon = new Monitor({ checkInterval: 1, recorder: rec, onError: (e) => { errors.push(e); void mon.close(); resolve(); } });
      mon.logMetric({ name: 'ping', peer: 'a', ttl: 1000 });
      mon.start();
    });
    await reported;
    assert.match((errors[0] as Error).message, /recorder bug/);
  });

  it('the default onError is a process warning', async () => {
    const mon = new Monitor({ peers: () => { throw new Error('no cluster'); } });
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    mon.check();
    assert.match((await warned).message, /no cluster/);
  });
});

describe('Monitor: window storage', () => {
  it('grows past its first block of windows and reuses a forgotten peer\'s cells', () => {
    const { mon, clock } = clocked({ windowCap: 2, forgetAfter: 1000 });
    for (let p = 0; p < 200; p++) mon.logMetric({ name: 'ping', peer: `p${p}`, value: p % 2 === 0 ? p : `s${p}`, ttl: 10 });
    mon.logMetric({ name: 'ping', peer: 'p1', value: 7, ttl: 10 });
    for (let p = 0; p < 200; p++) assert.deepEqual(mon.window('ping', `p${p}`).map((m) => m.value), p === 1 ? [7, 's1'] : [p % 2 === 0 ? p : `s${p}`]);
    clock.t += 1001;
    mon.logMetric({ name: 'ping', peer: 'fresh', value: 'x', ttl: 10 });
    mon.check();
    assert.deepEqual(mon.status().map((s) => s.peer), ['fresh']);
    // new peers take the forgotten cells: no old value shows through
    for (let p = 0; p < 150; p++) mon.logMetric({ name: 'cpu', peer: `q${p}`, value: p, ttl: 10 });
    for (let p = 0; p < 150; p++) assert.deepEqual(mon.window('cpu', `q${p}`).map((m) => m.value), [p]);
    assert.deepEqual(mon.window('ping', 'fresh').map((m) => m.value), ['x']);
  });
});

describe('Monitor: maxWindows', () => {
  it('refuses a metric that would open a window past the limit, counted; known windows still log; forgetting frees room', () => {
    const { mon, clock } = clocked({ maxWindows: 3, forgetAfter: 1000 });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 10 });
    mon.logMetric({ name: 'cpu', peer: 'a', ttl: 10 });
    clock.t += 600;
    mon.logMetric({ name: 'ping', peer: 'b', ttl: 10 });
    assert.throws(() => mon.logMetric({ name: 'mem', peer: 'a', ttl: 10 }), { code: 'ERR_METERKIT_INVALID_METRIC', field: 'limit', message: /limit of 3 .*peer "a" and metric "mem"/ });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 10 });
    // a batch: duplicates of one new pair count once; past the limit the whole batch is refused, naming the index
    assert.throws(() => mon.logMetrics([{ name: 'ping', peer: 'b', ttl: 10 }, { name: 'x', peer: 'c', ttl: 10 }]), { field: 'limit', message: /metric \[1\]/ });
    assert.equal(mon.window('ping', 'b').length, 1);
    clock.t += 401;
    mon.logMetric({ name: 'ping', peer: 'b', ttl: 10 });
    clock.t += 600;
    mon.check(); // a: silent 1001 ms: forgotten, its two windows freed
    assert.equal(mon.logMetrics([{ name: 'x', peer: 'c', ttl: 10 }, { name: 'x', peer: 'c', ttl: 10 }, { name: 'y', peer: 'c', ttl: 10 }]), 3);
    assert.throws(() => mon.logMetric({ name: 'z', peer: 'c', ttl: 10 }), { field: 'limit' });
  });
});
