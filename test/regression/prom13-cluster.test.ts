/*
 * Review findings of issue #13: AggregatorRegistry.clusterMetrics() vs prom-client's
 * metricAggregators.js. prom-client applies `average`/`min`/`max` to every metric, histograms
 * and summaries included (value by value); the shim leaves such a metric out of /metrics
 * entirely (a "mode" merge conflict), and README's "Migrating from prom-client" table does not
 * list the difference: a migrating application silently loses metrics.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry } from '../../src/prom-client/index.js';

describe('prom13: AggregatorRegistry aggregators on histograms and summaries', () => {
  const workers: Worker[] = [];
  const agg = new AggregatorRegistry();
  after(async () => {
    await agg.close();
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', () => resolve());
      w.kill();
    })));
  });

  it('a Summary with aggregator "average" and a Histogram with aggregator "max" still appear in clusterMetrics()', async () => {
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./prom13-cluster-worker.js', import.meta.url)), silent: false });
    for (let i = 0; i < 2; i++) {
      const w = cluster.fork();
      workers.push(w);
      await new Promise<void>((resolve) => w.once('online', () => resolve()));
    }
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = await agg.clusterMetrics();
      if (/^ready_total 2$/m.test(text)) break;
      await new Promise<void>((resolve) => cluster.once('message', () => resolve()));
    }
    assert.match(text, /^ready_total 2$/m, text);
    // what prom-client's aggregators give: average of the workers' values, max of the buckets
    assert.match(text, /^rpc_seconds\{quantile="0.5"\} 2$/m, text);
    assert.match(text, /^rpc_seconds_count 1$/m, text);
    assert.match(text, /^req_seconds_bucket\{le="1"\} 1$/m, text);
    assert.match(text, /^req_seconds_count 1$/m, text);
  });
});
