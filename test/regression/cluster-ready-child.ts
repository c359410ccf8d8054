/* A node:cluster worker of cluster-ready.test.ts: loads meterkit/prom-client, then says it is up (untagged). */
import cluster from 'node:cluster';
import * as shim from '../../src/prom-client/index.js';

if (cluster.isWorker) {
  new shim.Counter({ name: 'shim_up_total', help: 'Up' }).inc(2);
  process.send?.({ app: 'up' });
}
