import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  ConstantLabelsRecorder,
  DebuggingRecorder,
  FanoutRecorder,
  FilterRecorder,
  NOOP_HANDLE,
  PrefixRecorder,
  Registry,
  RouterRecorder,
  Unit,
  clearGlobalRecorder,
  counter,
  describeCounter,
  describeGauge,
  describeHistogram,
  gauge,
  getGlobalRecorder,
  hasGlobalRecorder,
  histogram,
  setGlobalRecorder,
  withLocalRecorder,
} from '../../src/index.js';

afterEach(() => {
  clearGlobalRecorder();
});

describe('facade', () => {
  it('records nothing before a recorder is installed', () => {
    assert.equal(hasGlobalRecorder(), false);
    const c = counter('before_total');
    assert.equal(c, NOOP_HANDLE);
    c.increment();
    gauge('g').set(1);
    histogram('h').record(1);
    describeCounter('before_total', Unit.Count, 'x');
  });

  it('forwards to the global recorder, the example from the README', () => {
    const registry = new Registry();
    assert.equal(setGlobalRecorder(registry) === registry, false);
    assert.equal(getGlobalRecorder(), registry);
    const requests = counter('http_requests_total', { method: 'GET', status: '200' });
    requests.increment();
    requests.increment(3);
    requests.absolute(100);
    gauge('queue_depth').set(5);
    histogram('request_duration_seconds', { route: '/a' }).record(0.25);
    histogram('request_duration_seconds', { route: '/a' }).recordMany(0.5, 2);
    describeCounter('http_requests_total', Unit.Count, 'Requests served');
    describeGauge('queue_depth', Unit.Count, 'Queue');
    describeHistogram('request_duration_seconds', Unit.Seconds, 'Latency');
    assert.equal(registry.view(registry.counter('http_requests_total', { status: '200', method: 'GET' })).value, 100);
    assert.equal(registry.view(registry.gauge('queue_depth')).value, 5);
    assert.equal(registry.view(registry.histogram('request_duration_seconds', { route: '/a' })).count, 3);
    assert.equal(registry.family('request_duration_seconds')?.description, 'Latency');
    assert.equal(clearGlobalRecorder(), registry);
  });

  it('withLocalRecorder overrides for a sync function and restores', () => {
    const global = new Registry();
    const local = new DebuggingRecorder();
    setGlobalRecorder(global);
    const out = withLocalRecorder(local, () => {
      counter('local_total').increment(2);
      return 7;
    });
    assert.equal(out, 7);
    counter('local_total').increment();
    assert.equal(local.snapshotter().snapshot().counter('local_total'), 2);
    assert.equal(global.view(global.counter('local_total')).value, 1);
    assert.throws(() => withLocalRecorder(local, () => { throw new Error('boom'); }), /boom/);
    counter('local_total').increment();
    assert.equal(global.view(global.counter('local_total')).value, 2);
  });

  it('withLocalRecorder follows async work and keeps concurrent tests apart', async () => {
    const a = new DebuggingRecorder();
    const b = new DebuggingRecorder();
    const work = async (n: number): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((r) => setImmediate(r));
        counter('async_total').increment(n);
      }
    };
    await Promise.all([withLocalRecorder(a, () => work(1)), withLocalRecorder(b, () => work(10))]);
    assert.equal(a.snapshotter().snapshot().counter('async_total'), 3);
    assert.equal(b.snapshotter().snapshot().counter('async_total'), 30);
    assert.equal(counter('async_total'), NOOP_HANDLE);
  });
});

describe('layers', () => {
  it('fanout updates every recorder through one handle', () => {
    const r1 = new Registry();
    const r2 = new DebuggingRecorder();
    const fan = new FanoutRecorder([r1, r2]);
    fan.describeCounter('f_total', Unit.Count, 'fan');
    fan.describeGauge('f_g', Unit.Bytes);
    fan.describeHistogram('f_h', Unit.Seconds);
    const c = fan.registerCounter('f_total', { a: '1' });
    c.increment(2);
    c.absolute(10);
    const g = fan.registerGauge('f_g');
    g.set(3);
    g.increment(2);
    g.decrement(1);
    const h = fan.registerHistogram('f_h');
    h.record(1);
    h.recordMany(2, 2);
    const snap = r2.snapshotter().snapshot();
    assert.equal(r1.view(r1.counter('f_total', { a: '1' })).value, 10);
    assert.equal(snap.counter('f_total', { a: '1' }), 10);
    assert.equal(r1.view(r1.gauge('f_g')).value, 4);
    assert.equal(snap.gauge('f_g'), 4);
    assert.equal(r1.view(r1.histogram('f_h')).count, 3);
    assert.deepEqual(snap.histogram('f_h'), [1, 2, 2]);
    assert.equal(snap.get('counter', 'f_total', { a: '1' })?.description, 'fan');
    // one recorder: its own handle, no wrapper
    assert.equal(new FanoutRecorder([r1]).registerCounter('f_total', { a: '1' }), r1.counter('f_total', { a: '1' }));
  });

  it('prefix renames, filter drops, constant labels add labels', () => {
    const dbg = new DebuggingRecorder();
    const stack = new PrefixRecorder(new ConstantLabelsRecorder(dbg, { env: 'prod', region: 'eu' }), 'app');
    stack.registerCounter('hits_total', { region: 'us' }).increment();
    stack.registerGauge('temp').set(20);
    stack.describeHistogram('lat_seconds', Unit.Seconds, 'latency');
    stack.registerHistogram('lat_seconds').record(0.1);
    const snap = dbg.snapshotter().snapshot();
    assert.equal(snap.counter('app_hits_total', { env: 'prod', region: 'us' }), 1);
    assert.equal(snap.gauge('app_temp', { env: 'prod', region: 'eu' }), 20);
    assert.equal(snap.get('histogram', 'app_lat_seconds', { env: 'prod', region: 'eu' })?.unit, 'seconds');
    assert.throws(() => new PrefixRecorder(dbg, 'bad-prefix'), /invalid metric name/);

    const dbg2 = new DebuggingRecorder();
    const filtered = new FilterRecorder(dbg2, ['debug_*', /^tmp/]);
    assert.equal(filtered.registerCounter('debug_x_total'), NOOP_HANDLE);
    assert.equal(filtered.registerGauge('tmp_g'), NOOP_HANDLE);
    filtered.registerCounter('kept_total').increment();
    filtered.describeCounter('debug_x_total', Unit.Count, 'dropped');
    const s2 = dbg2.snapshotter().snapshot();
    assert.deepEqual(s2.entries.map((e) => e.name), ['kept_total']);
  });

  it('router sends by name pattern and kind, else to the fallback', () => {
    const http = new DebuggingRecorder();
    const gauges = new DebuggingRecorder();
    const rest = new DebuggingRecorder();
    const router = new RouterRecorder(rest, [
      { match: 'http_*', recorder: http },
      { match: (n: string) => n.length > 0, kinds: ['gauge'], recorder: gauges },
    ]);
    router.registerCounter('http_requests_total').increment();
    router.registerGauge('http_inflight').set(1);
    router.registerGauge('mem').set(2);
    router.registerCounter('other_total').increment();
    router.describeCounter('other_total', Unit.Count, 'o');
    assert.deepEqual(http.snapshotter().snapshot().entries.map((e) => e.name), ['http_requests_total', 'http_inflight']);
    assert.deepEqual(gauges.snapshotter().snapshot().entries.map((e) => e.name), ['mem']);
    assert.equal(rest.snapshotter().snapshot().get('counter', 'other_total')?.description, 'o');
    assert.throws(() => new RouterRecorder(rest, [{ match: 'x' } as never]), /match, recorder/);
    assert.throws(() => new FilterRecorder(rest, 5 as never), /invalid name matcher 5/);
  });
});

describe('DebuggingRecorder', () => {
  it('snapshots values, observations, units and validates input', () => {
    const warned: string[] = [];
    const dbg = new DebuggingRecorder({ onError: (e) => warned.push(e.message) });
    dbg.describeGauge('d_g', Unit.Percent, 'pct');
    const c = dbg.registerCounter('d_total', [['b', '2'], ['a', '1']]);
    c.increment();
    c.absolute(5);
    c.absolute(3);
    c.increment(-1);
    assert.match(warned[0] ?? '', /-1 for metric "d_total": a counter takes a finite number ≥ 0/);
    const g = dbg.registerGauge('d_g');
    g.set(10);
    g.decrement(2);
    const snap = dbg.snapshotter().snapshot();
    assert.equal(snap.counter('d_total', { a: '1', b: '2' }), 5);
    assert.deepEqual(snap.get('counter', 'd_total', { a: '1', b: '2' })?.labels, { a: '1', b: '2' });
    assert.equal(snap.get('gauge', 'd_g')?.unit, 'percent');
    assert.equal(snap.gauge('d_g'), 8);
    assert.equal(snap.counter('missing_total'), undefined);
    assert.throws(() => dbg.registerCounter('bad name'), /invalid metric name/);
    dbg.registerGauge('x').set('a' as unknown as number);
    const after = dbg.snapshotter().snapshot();
    assert.equal(after.gauge('x'), 0);
    assert.deepEqual(
      after.rejections.map((r) => [r.name, r.what, r.value, r.reason]),
      [
        ['d_total', 'counter increment', -1, 'negative'],
        ['x', 'gauge value', 'a', 'not_a_number'],
      ],
    );
    assert.equal(after.counter('meterkit_invalid_updates_total', { metric: 'x', reason: 'not_a_number' }), 1);
    dbg.clear();
    assert.equal(dbg.snapshotter().snapshot().entries.length, 0);
  });
});
