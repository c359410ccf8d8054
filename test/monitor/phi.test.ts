/** The phi-accrual detector against hand-computed values, its fallback to ttl, and alerts that carry phi. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Monitor, phi } from '../../src/monitor/index.js';
import type { Alert } from '../../src/monitor/index.js';

function near(actual: number | null | undefined, expected: number, tolerance = 1e-4, what = ''): void {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tolerance, `${what}: ${String(actual)} is not ${expected} ± ${tolerance}`);
}

describe('phi()', () => {
  // By hand, with y = (t − m)/σ and the standard normal tail Q(y) = 1 − Φ(y) = erfc(y/√2)/2 from
  // tables (Abramowitz & Stegun 26.2), phi = −log10 Q(y):
  it('at the mean: Q(0) = 1/2, phi = log10 2', () => near(phi(1000, 1000, 500), 0.30103));
  it('one deviation late: Q(1) = 0.158655254, phi = 0.799546', () => near(phi(1500, 1000, 500), 0.799546));
  it('two deviations late: Q(2) = 0.0227501319, phi = 1.643016', () => near(phi(2000, 1000, 500), 1.643016));
  it('one deviation early: Q(−1) = 0.841344746, phi = 0.075026', () => near(phi(500, 1000, 500), 0.075026));
  it('six deviations late: Q(6) = 9.8658765e−10, phi = 9.005864 (the logistic approximation said 10.78)', () => near(phi(4000, 1000, 500), 9.005864));
  it('in the far tail, in log space: Q(10) = 7.6198530e−24, phi = 23.118053; Q(20) = 2.7536241e−89, phi = 88.560095', () => {
    near(phi(10, 0, 1), 23.118053);
    near(phi(20, 0, 1), 88.560095);
  });

  it('is continuous where the series hands over to the continued fraction (y = 3), and never Infinity far out', () => {
    near(phi(3, 0, 1), 2.869699, 1e-6); // Q(3) = 1.3498980e−3
    assert.ok(Math.abs(phi(3 - 1e-9, 0, 1) - phi(3 + 1e-9, 0, 1)) < 1e-7);
    const far = phi(1e9, 1000, 500);
    assert.ok(Number.isFinite(far) && far > 1e6);
    assert.equal(phi(-1e9, 1000, 500), 0);
    // increasing in the gap
    let last = -1;
    for (let t = 0; t <= 10_000; t += 100) {
      const p = phi(t, 1000, 500);
      assert.ok(p >= last, `phi(${t})`);
      last = p;
    }
  });
});

describe('the phi detector in the monitor', () => {
  it('falls back to ttl until minSamples intervals, then judges by phi with pause and deviation floor', () => {
    const clock = { t: 1_700_000_000_000 };
    const alerts: Alert[] = [];
    const mon = new Monitor({ now: () => clock.t, detector: { kind: 'phi', minSamples: 3, threshold: 8, minStdDev: 500, acceptablePause: 1000 } });
    mon.on('alert', (a) => alerts.push(a));
    // arrivals every 1000 ms, ttl 4 s: shorter than the phi deadline, so phi decides once it judges
    // (a peer is never down before its latest metric expires)
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 4000 });
    for (let i = 0; i < 2; i++) {
      clock.t += 1000;
      mon.logMetric({ name: 'ping', peer: 'a', ttl: 4000 });
    }
    clock.t += 3000;
    assert.deepEqual(mon.status().map((s) => [s.state, s.phi]), [['up', null]], '2 intervals: the ttl rule judges');
    assert.deepEqual(mon.check(), []);
    clock.t -= 3000;
    clock.t += 1000;
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 4000 });
    // 3 intervals of 1000: mean 1000 + pause 1000 = 2000, deviation 0 → floor 500
    near(mon.status()[0]?.phi, 0, 1e-4, 'just after an arrival'); // y = −4: phi = −log10(1 − Q(4)) = −log10(1 − 3.17e−5) ≈ 1.4e−5
    clock.t += 2000;
    near(mon.status()[0]?.phi, 0.30103, 1e-4, 'at mean + pause');
    clock.t += 500;
    near(mon.status()[0]?.phi, 0.799546, 1e-4, 'one floored deviation later');
    assert.deepEqual(mon.check(), []);
    // phi ≥ 8 needs Q(y) ≤ 1e−8: y ≥ 5.6120, i.e. 2000 + 2806 ms (Q(5.6) = 1.0718e−8: phi 7.9699)
    clock.t = clock.t - 2500 + 4800;
    assert.equal(mon.status()[0]?.state, 'up');
    clock.t += 10;
    const [down] = mon.check();
    assert.equal(down?.kind, 'down');
    assert.ok((down?.phi as number) >= 8);
    assert.deepEqual(mon.check(), []);
    clock.t += 10;
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 4000 });
    assert.deepEqual(alerts.map((a) => [a.kind, 'phi' in a]), [['down', true], ['up', false]]);
    // the long gap is now an interval of the window: mean and deviation grew, phi is small
    assert.ok((mon.status()[0]?.phi as number) < 1);
  });

  it('the deviation of irregular intervals is the population one', () => {
    const clock = { t: 0 };
    const mon = new Monitor({ now: () => clock.t, detector: { kind: 'phi', minSamples: 2, minStdDev: 1 } });
    // intervals 1000 and 3000: mean 2000, population deviation 1000
    for (const step of [0, 1000, 3000]) {
      clock.t += step;
      mon.logMetric({ name: 'ping', peer: 'a', ttl: 100_000 });
    }
    clock.t += 3000;
    near(mon.status()[0]?.phi, 0.799546, 1e-4, 'one deviation past the mean');
  });

  it('the window bounds the history: old intervals leave it', () => {
    const clock = { t: 0 };
    const mon = new Monitor({ now: () => clock.t, windowCap: 3, detector: { kind: 'phi', minSamples: 2, minStdDev: 1 } });
    for (const step of [0, 100_000, 1000, 1000]) {
      clock.t += step;
      mon.logMetric({ name: 'ping', peer: 'a', ttl: 1_000_000 });
    }
    // the window holds the last 3 arrivals: intervals 1000 and 1000 (the 100 s gap is gone)
    clock.t += 1000;
    near(mon.status()[0]?.phi, 0.30103, 1e-4);
  });
});

describe('the phi detector\'s deadline', () => {
  it('a window is down exactly when phi reaches the threshold, for small, default and huge thresholds', () => {
    for (const threshold of [0.1, 1, 3, 8, 16, 100, 400]) {
      const clock = { t: 0 };
      const mon = new Monitor({ now: () => clock.t, detector: { kind: 'phi', threshold, minSamples: 2, minStdDev: 1 } });
      // intervals 1000 and 3000: mean 2000, deviation 1000
      for (const step of [0, 1000, 3000]) {
        clock.t += step;
        // expired at once: the phi deadline alone decides (never down before the expiry)
        mon.logMetric({ name: 'ping', peer: 'a', ttl: 1 });
      }
      const last = clock.t;
      let crossings = 0;
      let wasDown = false;
      for (let gap = 0; gap <= 400_000; gap += gap < 20_000 ? 7 : 997) {
        clock.t = last + gap;
        const [s] = mon.status();
        const down = s?.state === 'down';
        assert.equal(down, (s?.phi as number) >= threshold, `threshold ${threshold}, gap ${gap}: phi ${String(s?.phi)}, state ${String(s?.state)}`);
        if (down !== wasDown) crossings++;
        wasDown = down;
      }
      assert.equal(crossings, 1, `threshold ${threshold}: one crossing`);
    }
  });
});
