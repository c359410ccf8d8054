import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry, setToCurrentTime, startTimer, timeInto } from '../../src/index.js';

/** Waits until the monotonic clock has moved by at least `ms` (an event to await, not a sleep of a guessed length). */
async function elapse(ms: number): Promise<void> {
  const until = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < until) await new Promise((resolve) => setImmediate(resolve));
}

describe('timers', () => {
  it('startTimer: end() returns the seconds elapsed, growing, never negative', async () => {
    const end = startTimer();
    const first = end();
    assert.ok(first >= 0);
    await elapse(5);
    const second = end();
    assert.ok(second >= 0.005, `expected ≥ 5 ms, got ${second} s`);
    assert.ok(second > first);
  });

  it('timeInto a histogram records the seconds it returns', async () => {
    const reg = new Registry();
    reg.setHistogramOptions('job_seconds', { buckets: [0.001, 1000] });
    const h = reg.histogram('job_seconds', { job: 'a' });
    const end = timeInto(h);
    await elapse(2);
    const s = end();
    const v = reg.view(h);
    assert.equal(v.count, 1);
    assert.equal(v.sum, s);
    assert.ok(s >= 0.002);
    assert.deepEqual(Array.from(v.bucketCounts), [0, 1, 0]);
  });

  it('timeInto a gauge sets it to the seconds it returns', async () => {
    const reg = new Registry();
    const g = reg.gauge('last_run_seconds');
    const end = timeInto(g);
    await elapse(1);
    const s = end();
    assert.equal(reg.view(g).value, s);
    assert.ok(s >= 0.001);
  });

  it('setToCurrentTime sets wall-clock seconds since the Unix epoch', () => {
    const reg = new Registry();
    const g = reg.gauge('last_success_timestamp_seconds');
    const before = Date.now() / 1000;
    setToCurrentTime(g);
    const after = Date.now() / 1000;
    const v = reg.view(g).value;
    assert.ok(v >= before && v <= after, `${v} not within [${before}, ${after}]`);
    assert.ok(Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-3, 'whole milliseconds');
  });
});
