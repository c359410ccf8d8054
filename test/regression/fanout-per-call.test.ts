/**
 * #9 perf: through the agent's default stack (Registry + stream through a fanout), resolving a
 * handle with labels on every call built a new FanoutHandle and an array each time. The fanout
 * now keeps one handle per label set: the same object comes back, nothing is allocated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DebuggingRecorder, FANOUT_CACHE_LIMIT, FanoutRecorder, Registry } from '../../src/index.js';

describe('regression: fanout resolution per call', () => {
  it('returns the same handle for the same labels in any order and form', () => {
    const fan = new FanoutRecorder([new Registry(), new DebuggingRecorder()]);
    const a = fan.registerCounter('req_total', { route: '/a', code: '200' });
    assert.equal(fan.registerCounter('req_total', { route: '/a', code: '200' }), a);
    assert.equal(fan.registerCounter('req_total', { code: '200', route: '/a' }), a);
    assert.equal(fan.registerCounter('req_total', [['route', '/a'], ['code', '200']]), a);
    assert.notEqual(fan.registerCounter('req_total', { route: '/b', code: '200' }), a);
    assert.equal(fan.registerGauge('g'), fan.registerGauge('g'));
  });

  it('each recorder still gets every update, and kinds stay apart', () => {
    const reg = new Registry();
    const dbg = new DebuggingRecorder();
    const fan = new FanoutRecorder([reg, dbg]);
    for (let i = 0; i < 10; i++) fan.registerCounter('n_total', { k: String(i % 2) }).increment();
    fan.registerGauge('n_gauge', { k: '1' }).set(4);
    fan.registerHistogram('n_seconds').record(0.5);
    assert.equal(reg.view(reg.counter('n_total', { k: '0' })).value, 5);
    assert.equal(dbg.snapshotter().snapshot().counter('n_total', { k: '1' }), 5);
    assert.equal(reg.view(reg.gauge('n_gauge', { k: '1' })).value, 4);
    assert.equal(reg.view(reg.histogram('n_seconds')).count, 1);
    assert.throws(() => fan.registerGauge('n_total'), /already registered as a counter/);
  });

  // With a Registry first the fanout keeps its handles on the registry's series, bounded by the
  // registry's own cardinality limit (test/core/fanout-attached.test.ts); any other first
  // recorder goes through the fanout's cache, which is bounded by FANOUT_CACHE_LIMIT.
  it('stays bounded: past the limit the cache empties, handles given out keep working', () => {
    const reg = new Registry({ cardinalityLimit: FANOUT_CACHE_LIMIT * 2 });
    const fan = new FanoutRecorder([new DebuggingRecorder(), reg]);
    const first = fan.registerCounter('many_total', { i: '0' });
    for (let i = 0; i <= FANOUT_CACHE_LIMIT; i++) fan.registerCounter('many_total', { i: String(i) }).increment();
    first.increment();
    assert.equal(reg.view(reg.counter('many_total', { i: '0' })).value, 2);
    assert.notEqual(fan.registerCounter('many_total', { i: '0' }), first, 'the cache was emptied once');
  });
});
