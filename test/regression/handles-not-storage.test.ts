/**
 * Issue #9 §2: `registry.counter()` returned the stored series itself, typed with writable
 * `value`, `mark`, `created` and `owner`: a caller could move a counter backwards, and every
 * exporter cast a base class to read it. Handles are now typed update-only; readers get a
 * read-only view narrowed by `kind`, and `registry.view(handle)` reads a handle back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FanoutRecorder, MeterkitError, NOOP_HANDLE, Registry } from '../../src/index.js';
import type { SeriesView } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';

describe('regression: handles only update, readers get read-only views', () => {
  it('handle types expose no storage (checked by the compiler)', () => {
    const reg = new Registry();
    const c = reg.counter('moves_total');
    const h = reg.histogram('h_seconds');
    c.increment(3);
    // Never called: the compiler must refuse each line, or the build fails on an unused
    // expect-error directive. That is the test; the runtime part below checks the views.
    const wouldCorrupt = (): void => {
      // @ts-expect-error a counter handle has no value to write
      c.value = -1;
      // @ts-expect-error nor a mark
      c.mark = 0;
      // @ts-expect-error a histogram handle has no count
      h.count = 0;
      const v = reg.view(c);
      // @ts-expect-error a view is read-only
      v.value = 0;
    };
    assert.equal(typeof wouldCorrupt, 'function');
    assert.equal(reg.view(c).value, 3);
  });

  it('a view is narrowed by kind and reads what a scrape reads', () => {
    const reg = new Registry();
    reg.counter('a_total', { k: 'x' }).increment(2);
    reg.gauge('b').setAt(7, 1_700_000_000_000);
    reg.setHistogramOptions('c_seconds', { buckets: [1] });
    reg.histogram('c_seconds').record(0.5);
    const seen: string[] = [];
    for (const f of reg.families()) {
      f.forEachSeries((s: SeriesView) => {
        if (s.kind === 'counter') seen.push(`counter ${s.value} ${s.owner.labelNames.join(',')}`);
        else if (s.kind === 'gauge') seen.push(`gauge ${s.value} @${s.timestamp}`);
        else seen.push(`histogram ${s.count} ${s.sum} [${Array.from(s.bucketCounts).join(',')}]`);
      });
    }
    assert.deepEqual(seen, ['counter 2 k', 'gauge 7 @1700000000000', 'histogram 1 0.5 [1,0]']);
    assert.match(render(reg), /^a_total\{k="x"\} 2$/m);
    assert.match(render(reg), /^b 7 1700000000000$/m);
  });

  it('view() refuses handles it did not hand out', () => {
    const reg = new Registry();
    const other = new Registry();
    const foreign = other.counter('x_total');
    const fanned = new FanoutRecorder([reg, other]).registerCounter('x_total');
    for (const h of [foreign, fanned, NOOP_HANDLE]) {
      assert.throws(
        () => reg.view(h),
        (err: unknown) => err instanceof MeterkitError && err.code === 'ERR_METERKIT_INVALID_ARGUMENT' && /registry handed out/.test(err.message),
      );
    }
    // a removed series' handle belongs to the family still: it reads back (and revives on update)
    const c = reg.counter('gone_total');
    c.increment();
    reg.remove('gone_total');
    assert.equal(reg.view(c).value, 0);
  });

  it('the series classes are not part of the public API', async () => {
    const api = (await import('../../src/index.js')) as Record<string, unknown>;
    for (const name of ['CounterSeries', 'GaugeSeries', 'HistogramSeries', 'SeriesBase']) assert.equal(api[name], undefined, name);
  });
});
