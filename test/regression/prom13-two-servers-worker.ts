/*
 * A node:cluster worker of prom13-two-servers.test.ts: the application serves its meterkit
 * Registry (meterkit/cluster) and also loads meterkit/prom-client (a dependency still on the
 * prom-client API: issue #13 item 7's "a process mixing both").
 */
import cluster from 'node:cluster';
import { Registry } from '../../src/index.js';
import { serveClusterMetrics } from '../../src/cluster/index.js';
import * as shim from '../../src/prom-client/index.js';

// the test runner loads every file under dist/test/ too: only serve in a cluster worker
if (cluster.isWorker) {
  const registry = new Registry();
  registry.counter('core_jobs_total').increment(1);
  serveClusterMetrics(registry);
  new shim.Counter({ name: 'shim_jobs_total', help: 'Jobs' }).inc(1);
}
