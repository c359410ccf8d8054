/*
 * #13 review: loading meterkit/prom-client in any node:cluster worker sent an unsolicited
 * {"meterkit:cluster":"ready"} to the primary, even one that is not meterkit's (the
 * application's own IPC protocol, PM2). A worker now says ready only to a primary known to be
 * meterkit's; a ClusterAggregator made after the fork still gets its answers.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { clusterWorkers } from '../helpers/cluster-primary.js';
import { CLUSTER_MESSAGE_TAG, ClusterAggregator } from '../../src/cluster/index.js';
import { render } from '../../src/prometheus/index.js';

describe('cluster workers and a primary that is not meterkit\'s', () => {
  const primary = clusterWorkers();
  const aggs: ClusterAggregator[] = [];
  after(async () => {
    await Promise.all(aggs.map((a) => a.close()));
    await primary.stop();
  });

  it('a worker loading meterkit/prom-client sends nothing unasked; it answers once asked', async () => {
    // no ClusterAggregator in this process yet: the primary is not (yet) meterkit's
    assert.equal(process.env.METERKIT_CLUSTER_PRIMARY, undefined);
    const [w] = await primary.fork(new URL('./cluster-ready-child.js', import.meta.url), 1, { online: false });
    const heard: unknown[] = [];
    await new Promise<void>((resolve) => {
      w!.on('message', (m: Record<string, unknown>) => {
        heard.push(m);
        if (m.app === 'up') resolve();
      });
    });
    // the shim served at import, before the worker's own message: any ready would have come first
    assert.deepEqual(heard.filter((m) => typeof m === 'object' && m !== null && CLUSTER_MESSAGE_TAG in m), []);
    // a primary made later asks the workers it finds, and they answer
    const agg = new ClusterAggregator();
    aggs.push(agg);
    await agg.collect();
    assert.match(render(agg), /^shim_up_total 2$/m);
  });
});
