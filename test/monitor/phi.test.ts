/** The phi-accrual detector against hand-computed values, its fallback to ttl, and alerts that carry phi. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Monitor, phi } from '../../src/monitor/index.js';
import type { Alert } from '../../src/monitor/index.js';

function near(actual: number | null | undefined, expected: number, tolerance = 1e-4, what = ''): void {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tolerance, `${what}: ${String(actual)} is not ${expected} ± ${tolerance}`);
}

describe('phi()', () => {
  // By hand, with y = (t − m)/σ, k = y(1.5976 + 0.070566 y²), e = exp(−k), phi = −log10(e/(1+e)):
  it('at the mean: y = 0, e = 1, phi = log10 2', () => near(phi(1000, 1000, 500), 0.30103));
  it('one deviation late: k = 1.668166, e = 0.188600, phi = 0.724474 + 0.075035 = 0.79951', () => near(phi(1500, 1000, 500), 0.79951));
  it('two deviations late: k = 3.759728, e = 0.023290, phi = 1.632837 + 0.009998 = 1.64283', () => near(phi(2000, 1000, 500), 1.64283));
  it('one deviation early: y = −1, e = 5.302270, phi = −log10(1 − 1/6.302270) = 0.07503', () => near(phi(500, 1000, 500), 0.07503));
  it('six deviations late: k = 24.8279, phi = k·log10(e) = 10.78260 (the logistic tail outgrows the exact 9.006)', () => near(phi(4000, 1000, 500), 10.7826));

  it('is within 1.4e-4 of the exact normal CDF near the mean, and never Infinity far out', () => {
    // exact −log10(1 − Φ(y)) at y = 1 and 2: 0.79955, 1.64302
    assert.ok(Math.abs(phi(1500, 1000, 500) - 0.79955) < 1e-3);
    assert.ok(Math.abs(phi(2000, 1000, 500) - 1.64302) < 1e-3);
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
    // arrivals every 1000 ms, ttl 60 s: ttl alone would wait a minute
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 60_000 });
    for (let i = 0; i < 2; i++) {
      clock.t += 1000;
      mon.logMetric({ name: 'ping', peer: 'a', ttl: 60_000 });
    }
    clock.t += 5000;
    assert.deepEqual(mon.status().map((s) => [s.state, s.phi]), [['up', null]], '2 intervals: the ttl rule judges');
    assert.deepEqual(mon.check(), []);
    clock.t -= 5000;
    clock.t += 1000;
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 60_000 });
    // 3 intervals of 1000: mean 1000 + pause 1000 = 2000, deviation 0 → floor 500
    near(mon.status()[0]?.phi, 0, 1e-4, 'just after an arrival'); // y = −4: k = −10.9066, phi = −log10(1 − 1/(1 + e^10.9066)) ≈ 8e-6
    clock.t += 2000;
    near(mon.status()[0]?.phi, 0.30103, 1e-4, 'at mean + pause');
    clock.t += 500;
    near(mon.status()[0]?.phi, 0.79951, 1e-4, 'one floored deviation later');
    assert.deepEqual(mon.check(), []);
    // phi > 8 needs y with k·log10 e > 8: k > 18.42, y ≈ 5.35, i.e. 2000 + 2675 ms
    clock.t = clock.t - 2500 + 4600;
    assert.equal(mon.status()[0]?.state, 'up');
    clock.t += 200;
    const [down] = mon.check();
    assert.equal(down?.kind, 'down');
    assert.ok((down?.phi as number) > 8);
    assert.deepEqual(mon.check(), []);
    clock.t += 10;
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 60_000 });
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
    near(mon.status()[0]?.phi, 0.79951, 1e-4, 'one deviation past the mean');
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
  it('a window is down exactly when phi exceeds the threshold, for small, default and huge thresholds', () => {
    for (const threshold of [0.1, 1, 3, 8, 16, 100, 400]) {
      const clock = { t: 0 };
      const mon = new Monitor({ now: () => clock.t, detector: { kind: 'phi', threshold, minSamples: 2, minStdDev: 1 } });
      // intervals 1000 and 3000: mean 2000, deviation 1000
      for (const step of [0, 1000, 3000]) {
        clock.t += step;
        mon.logMetric({ name: 'ping', peer: 'a', ttl: 1e9 });
      }
      const last = clock.t;
      let crossings = 0;
      let wasDown = false;
      for (let gap = 0; gap <= 400_000; gap += gap < 20_000 ? 7 : 997) {
        clock.t = last + gap;
        const [s] = mon.status();
        const down = s?.state === 'down';
        assert.equal(down, (s?.phi as number) > threshold, `threshold ${threshold}, gap ${gap}: phi ${String(s?.phi)}, state ${String(s?.state)}`);
        if (down !== wasDown) crossings++;
        wasDown = down;
      }
      assert.equal(crossings, 1, `threshold ${threshold}: one crossing`);
    }
  });
});
