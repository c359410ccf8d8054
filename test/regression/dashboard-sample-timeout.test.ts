/**
 * #14 review finding 10: the history's read before each sample (the process collector) had no
 * timeout, so one hung read stalled the dashboard's history for good, silently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/core/errors.js';
import { Registry } from '../../src/core/registry.js';
import { History, SKIPPED_SAMPLES_METRIC } from '../../src/dashboard/index.js';

function counted(reg: Registry, name: string): number {
  let v = NaN;
  reg.family(name)?.forEachSeries((s) => (v = s.kind === 'counter' ? s.value : NaN));
  return v;
}

describe('regression: a hung beforeSample', () => {
  // the timeout makes the old code fail instead of hanging the run
  it('skips the sample (counted, reported once), never calls it twice at once, and samples again once it ends', { timeout: 20_000 }, async () => {
    const reg = new Registry();
    reg.gauge('temp').set(1);
    let calls = 0;
    let release: () => void = () => undefined;
    const errors: unknown[] = [];
    const history = new History(reg, {
      sampleTimeout: 20,
      metrics: reg,
      onError: (err) => errors.push(err),
      beforeSample: () => {
        calls++;
        return calls === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
    });
    history.watch(['temp']);
    await history.tick();
    assert.deepEqual(history.points('temp'), [], 'no point from a skipped sample');
    assert.equal(history.skippedSamples, 1);
    assert.equal(counted(reg, SKIPPED_SAMPLES_METRIC), 1);
    await history.tick();
    assert.equal(calls, 1, 'the next sample waited for the hung call, it did not start another');
    assert.equal(history.skippedSamples, 2);
    assert.equal(errors.length, 1, 'a lasting stall is reported once');
    assert.equal((errors[0] as { code?: string }).code, ErrorCode.DashboardSampleTimeout);
    assert.match(String(errors[0]), /sampleTimeout/);
    release();
    await history.tick();
    await history.tick();
    assert.equal(history.points('temp')?.length, 2, 'sampling goes on once the read ends');
    assert.ok(calls >= 2, 'the read is called anew after the hung one ended');
    assert.equal(history.skippedSamples, 2);
    await history.close();
  });

  it('sampleTimeout is checked as a duration', () => {
    assert.throws(() => new History(new Registry(), { sampleTimeout: 0 }), (e: Error & { code?: string }) => e.code === ErrorCode.InvalidArgument && /sampleTimeout/.test(e.message));
  });
});
