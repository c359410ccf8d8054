import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DebuggingRecorder, FanoutRecorder, Registry } from '../../src/index.js';

// The agent's stack: a Registry first, then another recorder (the stream). The fanout keeps its
// handle on the registry's series (core/layers/fanout.ts), so these pin what that must not break.
describe('fanout over a registry (handles kept on the registry series)', () => {
  it('returns one handle per series, allocation-free on repeat, updating both recorders', () => {
    const reg = new Registry();
    const dbg = new DebuggingRecorder();
    const fan = new FanoutRecorder([reg, dbg]);
    const a = fan.registerCounter('att_total', { route: '/a', code: '200' });
    assert.equal(fan.registerCounter('att_total', { route: '/a', code: '200' }), a);
    // another label order and the pairs form reach the same series and handle
    assert.equal(fan.registerCounter('att_total', { code: '200', route: '/a' }), a);
    assert.equal(fan.registerCounter('att_total', [['route', '/a'], ['code', '200']]), a);
    for (let i = 0; i < 5; i++) fan.registerCounter('att_total', { route: '/a', code: '200' }).increment();
    fan.registerCounter('att_total', { route: '/b', code: '500' }).increment(2);
    fan.registerGauge('att_g', { k: 'x' }).set(7);
    fan.registerHistogram('att_h', { k: 'x' }).record(0.5);
    const snap = dbg.snapshotter().snapshot();
    assert.equal(reg.view(reg.counter('att_total', { route: '/a', code: '200' })).value, 5);
    assert.equal(snap.counter('att_total', { route: '/a', code: '200' }), 5);
    assert.equal(snap.counter('att_total', { route: '/b', code: '500' }), 2);
    assert.equal(snap.gauge('att_g', { k: 'x' }), 7);
    assert.deepEqual(snap.histogram('att_h', { k: 'x' }), [0.5]);
    assert.equal(reg.view(reg.histogram('att_h', { k: 'x' })).count, 1);
  });

  it('two fanouts over one registry each reach their own second recorder', () => {
    const reg = new Registry();
    const d1 = new DebuggingRecorder();
    const d2 = new DebuggingRecorder();
    const f1 = new FanoutRecorder([reg, d1]);
    const f2 = new FanoutRecorder([reg, d2]);
    for (let i = 0; i < 3; i++) {
      f1.registerCounter('two_total', { k: 'v' }).increment();
      f2.registerCounter('two_total', { k: 'v' }).increment(10);
    }
    assert.equal(reg.view(reg.counter('two_total', { k: 'v' })).value, 33);
    assert.equal(d1.snapshotter().snapshot().counter('two_total', { k: 'v' }), 3);
    assert.equal(d2.snapshotter().snapshot().counter('two_total', { k: 'v' }), 30);
  });

  it('past the cardinality limit the other recorder still gets each label set, not the overflow series', () => {
    const reg = new Registry({ cardinalityLimit: 2 });
    const dbg = new DebuggingRecorder();
    const fan = new FanoutRecorder([reg, dbg]);
    for (const u of ['a', 'b', 'c', 'd', 'c']) fan.registerCounter('ovf_total', { user: u }).increment();
    const snap = dbg.snapshotter().snapshot();
    assert.equal(snap.counter('ovf_total', { user: 'c' }), 2);
    assert.equal(snap.counter('ovf_total', { user: 'd' }), 1);
    assert.equal(snap.counter('ovf_total', { meterkit_overflow: 'true' }), undefined);
    assert.equal(reg.view(reg.counter('ovf_total', { user: 'zzz' })).value, 3, 'the registry folds c, d, c into its overflow series');
  });

  it('after the registry removes a series, the next call gets a working handle for both', () => {
    const reg = new Registry();
    const dbg = new DebuggingRecorder();
    const fan = new FanoutRecorder([reg, dbg]);
    const old = fan.registerCounter('rm_total', { k: 'v' });
    old.increment(4);
    assert.equal(fan.remove('rm_total', { k: 'v' }), true);
    const fresh = fan.registerCounter('rm_total', { k: 'v' });
    fresh.increment();
    assert.equal(reg.view(reg.counter('rm_total', { k: 'v' })).value, 1, 'a removed series starts from zero');
    assert.equal(dbg.snapshotter().snapshot().counter('rm_total', { k: 'v' }), 5);
  });

  it('a bad value reaches only the registry, which counts it once', () => {
    const reg = new Registry({ onError: () => undefined });
    const dbg = new DebuggingRecorder({ onError: () => undefined });
    const fan = new FanoutRecorder([reg, dbg]);
    fan.registerCounter('bad_total', { k: 'v' }).increment(-1);
    assert.equal(reg.view(reg.counter('meterkit_invalid_updates_total', { metric: 'bad_total', reason: 'negative' })).value, 1);
    assert.equal(dbg.snapshotter().snapshot().rejections.length, 0);
  });
});
