/*
 * #13 item 1: one answering server per process, the CommonJS and ES module copies included
 * (shared through sharedState): two servers would both answer each request id and the primary
 * would keep the first answer only, losing one copy's metrics.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { clusterWorkers, messagesFrom } from '../helpers/cluster-primary.js';
import { CLUSTER_MESSAGE_TAG, ClusterAggregator } from '../../src/cluster/index.js';
import { render } from '../../src/prometheus/index.js';

describe('a worker serving through both copies of meterkit/cluster', () => {
  const primary = clusterWorkers();
  const agg = new ClusterAggregator();
  after(async () => {
    await agg.close();
    await primary.stop();
  });

  it('answers once with both registries', async () => {
    const [w] = await primary.fork(new URL('./cluster-dual-package-worker.js', import.meta.url), 1, { online: false });
    // one ready per serveClusterMetrics call
    await messagesFrom(w!, 2, (m) => m[CLUSTER_MESSAGE_TAG] === 'ready');
    for (let i = 0; i < 3; i++) {
      await agg.collect();
      const text = render(agg);
      assert.match(text, /^esm_jobs_total 1$/m, text);
      assert.match(text, /^cjs_jobs_total 2$/m, text);
    }
  });
});
