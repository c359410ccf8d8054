/*
 * Review finding of issue #13 item 2 (sliding windows): every windowed series allocates all
 * `ageBuckets` slot sketches, a retired sketch and two merged-view sketches up front, used or
 * not. Measured: ≈1 KB per un-windowed sketch series, ≈5.8 KB with ageBuckets 5, ≈67 KB with
 * ageBuckets 100 (the option allows 1000: ≈650 KB per series). A summary with a `route` label
 * and the usual `maxAgeSeconds: 600, ageBuckets: 5` costs about 6× a plain one, most of it
 * empty sketches.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/index.js';
import { liveHeapBytes } from '../helpers/gc.js';


function bytesPerSeries(options: Parameters<Registry['setHistogramOptions']>[1], n: number): number {
  const before = liveHeapBytes();
  const registry = new Registry({ cardinalityLimit: n * 2 });
  registry.setHistogramOptions('rpc_seconds', options);
  for (let i = 0; i < n; i++) registry.histogram('rpc_seconds', { id: String(i) }).record((i % 100) + 1);
  const after = liveHeapBytes();
  assert.ok(registry.family('rpc_seconds') !== undefined);
  return (after - before) / n;
}

describe('prom13: memory of windowed sketch series', () => {
  it('a windowed series (ageBuckets 5) with one observation costs at most twice an un-windowed one', () => {
    const n = 5000;
    const plain = bytesPerSeries({ buckets: [], quantiles: true }, n);
    const windowed = bytesPerSeries({ buckets: [], quantiles: true, maxAge: 600_000, ageBuckets: 5 }, n);
    assert.ok(windowed <= 2 * plain, `windowed ${Math.round(windowed)} B/series vs ${Math.round(plain)} B/series un-windowed`);
  });
});
