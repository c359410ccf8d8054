/**
 * #8 §1: `increment('5')` stored a string ("251" after more increments, rendered `x 251true`,
 * and promtool rejected the whole scrape); `absolute('100')` then `absolute('9')` lowered a
 * counter (string compare); `increment(1n)` threw a bare TypeError. Now every recorder drops
 * such updates, counts them and never throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DebuggingRecorder, FanoutRecorder, Registry } from '../../src/index.js';
import type { Counter } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';
import { TcpBuilder } from '../../src/tcp/index.js';
import { needs } from '../helpers/tools.js';
import { promtoolCheck } from '../helpers/validate.js';

const quiet = { onError: (): void => undefined };

function abuse(c: Counter): void {
  c.increment(2);
  c.increment('5' as unknown as number);
  c.increment(1n as unknown as number);
  c.increment(true as unknown as number);
  c.increment(-3);
  c.increment(NaN);
  c.absolute('100' as unknown as number);
  c.absolute(-1);
  c.increment(3);
}

describe('regression: bad values on the hot path', () => {
  it('a Registry counter keeps a number, never throws, and the scrape stays valid', { ...needs('promtool') }, async () => {
    const reg = new Registry(quiet);
    const c = reg.counter('x');
    assert.doesNotThrow(() => abuse(c));
    assert.equal(reg.view(c).value, 5);
    const text = render(reg);
    assert.ok(text.includes('x_total 5\n'), text);
    await promtoolCheck(text);
    const reasons = new Map<string, number>();
    reg.family('meterkit_invalid_updates_total')?.forEachSeries((s, v) => reasons.set(v.join('/'), (s as unknown as { value: number }).value));
    assert.deepEqual(Object.fromEntries(reasons), { 'x/not_a_number': 4, 'x/negative': 2, 'x/nan': 1 });
  });

  it('absolute() with strings never lowers a counter', () => {
    const reg = new Registry(quiet);
    const c = reg.counter('abs_total');
    c.absolute('100' as unknown as number);
    c.absolute(50);
    c.absolute('9' as unknown as number);
    assert.equal(reg.view(c).value, 50);
  });

  it('gauges and histograms keep finite numbers only', () => {
    const reg = new Registry(quiet);
    const g = reg.gauge('g');
    g.set(1);
    for (const bad of ['7', 7n, NaN, Infinity, -Infinity, undefined, null]) {
      g.set(bad as unknown as number);
      if (bad !== undefined) g.increment(bad as unknown as number);
    }
    g.increment(Number.MAX_VALUE);
    g.increment(Number.MAX_VALUE); // would overflow to Infinity
    assert.equal(reg.view(g).value, 1 + Number.MAX_VALUE);
    const h = reg.histogram('h_seconds');
    h.record('0.5' as unknown as number);
    h.record(Infinity);
    h.recordMany(1, -1);
    h.recordMany(1, 2);
    assert.equal(reg.view(h).count, 2);
    assert.equal(reg.view(h).sum, 2);
  });

  it('the stream, a fanout and the DebuggingRecorder apply the same rule, counting once', async () => {
    const reg = new Registry(quiet);
    const stream = await new TcpBuilder().listenAddress('127.0.0.1:0').selfMetrics(reg).invalidUpdates(quiet.onError).build();
    try {
      const both = new FanoutRecorder([reg, stream]).registerCounter('y_total');
      assert.doesNotThrow(() => abuse(both));
      assert.equal(reg.view(reg.counter('y_total')).value, 5);
      // the fanout handed the bad updates to the registry only: counted once, not twice
      assert.equal(reg.view(reg.counter('meterkit_invalid_updates_total', { metric: 'y_total', reason: 'not_a_number' })).value, 4);
      assert.equal(stream.stats().invalid, 0);
      abuse(stream.registerCounter('z_total'));
      assert.equal(stream.stats().invalid, 7);
      assert.equal(reg.view(reg.counter('meterkit_invalid_updates_total', { metric: 'z_total', reason: 'negative' })).value, 2);
    } finally {
      await stream.close();
    }
    const dbg = new DebuggingRecorder(quiet);
    abuse(dbg.registerCounter('d_total'));
    const snap = dbg.snapshotter().snapshot();
    assert.equal(snap.counter('d_total'), 5);
    assert.equal(snap.rejections.length, 7);
    assert.equal(snap.counter('meterkit_invalid_updates_total', { metric: 'd_total', reason: 'not_a_number' }), 4);
  });

  it('reports once per metric through onError, and once as a process warning by default', async () => {
    const seen: string[] = [];
    const reg = new Registry({ onError: (e) => seen.push(`${e.code}: ${e.message}`) });
    for (let i = 0; i < 1000; i++) reg.counter('loop_total').increment(-1);
    reg.gauge('other').set(NaN);
    assert.equal(seen.length, 2);
    assert.match(seen[0] ?? '', /^ERR_METERKIT_INVALID_VALUE: invalid counter increment -1 for metric "loop_total"/);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const plain = new Registry();
      for (let i = 0; i < 10; i++) plain.counter('w_total').increment('1' as unknown as number);
      await new Promise<void>((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.message ?? '', /"1" for metric "w_total"/);
  });

  it('a throwing onError hook cannot break the update path', () => {
    const reg = new Registry({
      onError: () => {
        throw new Error('hook broke');
      },
    });
    const onWarning = (): void => undefined;
    process.on('warning', onWarning);
    try {
      assert.doesNotThrow(() => reg.counter('h_total').increment(-1));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(reg.view(reg.counter('meterkit_invalid_updates_total', { metric: 'h_total', reason: 'negative' })).value, 1);
  });
});
