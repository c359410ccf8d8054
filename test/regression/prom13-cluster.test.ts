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
import { AggregatorRegistry } from '../../src/prom-client/index.js';
import { clusterWorkers } from '../helpers/cluster-primary.js';

describe('prom13: AggregatorRegistry aggregators on histograms and summaries', () => {
  const primary = clusterWorkers();
  const agg = new AggregatorRegistry();
  after(async () => {
    await agg.close();
    await primary.stop();
  });

  it('a Summary with aggregator "average" and a Histogram with aggregator "max" still appear in clusterMetrics()', async () => {
    await primary.fork(new URL('./prom13-cluster-worker.js', import.meta.url), 2);
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
