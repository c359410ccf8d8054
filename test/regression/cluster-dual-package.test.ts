/*
 * #13 item 1: one answering server per process, the CommonJS and ES module copies included
 * (shared through sharedState): two servers would both answer each request id and the primary
 * would keep the first answer only, losing one copy's metrics.
 */
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLUSTER_MESSAGE_TAG, ClusterAggregator } from '../../src/cluster/index.js';
import { render } from '../../src/prometheus/index.js';

describe('a worker serving through both copies of meterkit/cluster', () => {
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

  it('answers once with both registries', async () => {
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./cluster-dual-package-worker.js', import.meta.url)) });
    const w = cluster.fork();
    workers.push(w);
    // one ready per serveClusterMetrics call
    await new Promise<void>((resolve) => {
      let n = 0;
      w.on('message', (m: Record<string, unknown>) => void (m[CLUSTER_MESSAGE_TAG] === 'ready' && ++n === 2 && resolve()));
    });
    for (let i = 0; i < 3; i++) {
      await agg.collect();
      const text = render(agg);
      assert.match(text, /^esm_jobs_total 1$/m, text);
      assert.match(text, /^cjs_jobs_total 2$/m, text);
    }
  });
});
