/**
 * #8 §1 and §5: a RegExp matcher with the `g` or `y` flag matched every other time
 * (`lastIndex`); labels given as a Map were silently ignored; `new FanoutRecorder(5)` threw a
 * bare TypeError.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DebuggingRecorder, FanoutRecorder, FilterRecorder, MeterkitError, NOOP_HANDLE, Registry, compileMatcher } from '../../src/index.js';

describe('regression: stateful RegExp matchers', () => {
  it('a /g or /y RegExp matches the same name every time', () => {
    for (const re of [/^tmp_/g, /tmp_/y, /^tmp_/gy]) {
      const m = compileMatcher(re);
      assert.deepEqual([m('tmp_a'), m('tmp_a'), m('tmp_a'), m('tmp_a')], [true, true, true, true], String(re));
    }
    const dbg = new DebuggingRecorder();
    const f = new FilterRecorder(dbg, /^tmp_/g);
    for (let i = 0; i < 4; i++) assert.equal(f.registerCounter('tmp_x_total'), NOOP_HANDLE);
  });

  it('histogram options given by a /g RegExp apply to every matching histogram', () => {
    const reg = new Registry();
    reg.setHistogramOptions(/_seconds$/g, { buckets: [1, 2] });
    for (const n of ['a_seconds', 'b_seconds', 'c_seconds']) assert.deepEqual([...(reg.view(reg.histogram(n)).layout.bounds)], [1, 2], n);
  });
});

describe('regression: labels as a Map', () => {
  it('are the same series as the same labels given as an object', () => {
    const reg = new Registry();
    reg.counter('m_total', new Map([['a', '1'], ['b', '2']])).increment();
    reg.counter('m_total', { b: '2', a: '1' }).increment();
    assert.equal(reg.view(reg.counter('m_total', new Map([['b', '2'], ['a', '1']]))).value, 2);
    assert.equal(reg.family('m_total')?.seriesCount, 1);
  });

  it('other iterables are refused with the rule, not ignored', () => {
    const reg = new Registry();
    assert.throws(() => reg.counter('s_total', new Set(['a']) as never), (e: unknown) => e instanceof MeterkitError && /plain object, a Map or an array/.test(e.message));
  });
});

describe('regression: FanoutRecorder arguments', () => {
  it('refuses what is not a non-empty array of recorders with a coded error', () => {
    for (const bad of [5, undefined, [], [5], [{}], 'reg']) {
      assert.throws(
        () => new FanoutRecorder(bad as never),
        (e: unknown) => e instanceof MeterkitError && e.code === 'ERR_METERKIT_INVALID_ARGUMENT' && /recorder/.test(e.message),
        String(bad),
      );
    }
  });
});
