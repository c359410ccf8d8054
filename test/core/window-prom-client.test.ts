import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import client from 'prom-client';
import { Registry } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';
import { rng } from '../helpers/random.js';

/** `quantile` label → value of one series' summary samples in a text exposition. */
function quantiles(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}\\{[^}]*quantile="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))) out.set(m[1] as string, Number(m[2]));
  return out;
}

describe('sliding windows against real prom-client', () => {
  it('the window holds the same observations as a prom-client Summary at every read (one fake clock for both)', async () => {
    let t = 1_700_000_000_000;
    const realNow = Date.now;
    // prom-client's TimeWindowQuantiles reads Date.now: the one way to drive its clock
    Date.now = () => t;
    try {
      for (const seed of [1, 2, 3, 4]) {
        const random = rng(seed);
        const reg = new Registry({ now: () => t });
        reg.setHistogramOptions('lat', { buckets: [], maxAge: 1000, ageBuckets: 4, reportedQuantiles: [0, 1] });
        const r = new client.Registry();
        const theirs = new client.Summary({ name: 'lat', help: 'h', labelNames: ['a'], percentiles: [0, 1], maxAgeSeconds: 1, ageBuckets: 4, registers: [r] });
        const ours = reg.histogram('lat', { a: 'x' });
        // Steps of 0–2 × 125 ms (rotation instants every 250 ms, so many land exactly on one:
        // prom-client rotates only once the clock is strictly past), ±1 ms around them, now and
        // then an idle spell longer than the window; reads (which rotate too) only some turns.
        let reads = 0;
        for (let k = 0; k < 300; k++) {
          const roll = random();
          t += roll < 0.05 ? 1000 + Math.floor(random() * 3) * 125 : Math.floor(random() * 3) * 125 + (roll < 0.2 ? 1 : roll < 0.3 ? -1 : 0);
          ours.record(k + 1);
          theirs.observe({ a: 'x' }, k + 1);
          if (random() < 0.3) {
            const want = quantiles(await r.metrics(), 'lat');
            assert.deepEqual(quantiles(render(reg), 'lat'), want, `seed ${seed}, step ${k}`);
            reads++;
          }
        }
        assert.ok(reads > 50);
      }
    } finally {
      Date.now = realNow;
    }
  });
});
