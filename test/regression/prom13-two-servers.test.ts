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
import { clusterWorkers, messagesFrom } from '../helpers/cluster-primary.js';
import { ClusterAggregator } from '../../src/cluster/index.js';
import { render } from '../../src/prometheus/index.js';

describe('prom13: a worker using meterkit/cluster and meterkit/prom-client together', () => {
  const primary = clusterWorkers();
  const agg = new ClusterAggregator();
  after(async () => {
    await agg.close();
    await primary.stop();
  });

  it('every scrape has both the core registry\'s and the shim\'s metrics', async () => {
    const [w] = await primary.fork(new URL('./prom13-two-servers-worker.js', import.meta.url), 1, { online: false });
    // both servers say "ready"; wait for the two
    await messagesFrom(w!, 2);
    for (let i = 0; i < 5; i++) {
      await agg.collect();
      const text = await render(agg, { format: 'prometheus' });
      assert.match(text, /^core_jobs_total 1$/m, `scrape ${i}:\n${text}`);
      assert.match(text, /^shim_jobs_total 1$/m, `scrape ${i}:\n${text}`);
    }
  });
});
