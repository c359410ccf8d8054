/*
 * Review finding of issue #13: loading meterkit/prom-client in a node:cluster worker starts a
 * second answering server (src/prom-client/cluster.ts, at module load) beside the
 * application's serveClusterMetrics. Both answer every request with the same id; the primary
 * (src/cluster/aggregator.ts ask()) settles on the first answer and drops the other, so each
 * scrape shows either the core registry's metrics or the shim's, never both, and which one
 * changes from scrape to scrape.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { ClusterAggregator } from '../../src/cluster/index.js';
import { render } from '../../src/prometheus/index.js';

describe('prom13: a worker using meterkit/cluster and meterkit/prom-client together', () => {
  const workers: Worker[] = [];
  const agg = new ClusterAggregator();
  after(async () => {
    await agg.close();
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', () => resolve());
      w.kill();
    })));
  });

  it('every scrape has both the core registry\'s and the shim\'s metrics', async () => {
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./prom13-two-servers-worker.js', import.meta.url)), silent: false });
    const w = cluster.fork();
    workers.push(w);
    // both servers say "ready"; wait for the two
    await new Promise<void>((resolve) => {
      let n = 0;
      w.on('message', () => void (++n === 2 && resolve()));
    });
    for (let i = 0; i < 5; i++) {
      await agg.collect();
      const text = await render(agg, { format: 'prometheus' });
      assert.match(text, /^core_jobs_total 1$/m, `scrape ${i}:\n${text}`);
      assert.match(text, /^shim_jobs_total 1$/m, `scrape ${i}:\n${text}`);
    }
  });
});
