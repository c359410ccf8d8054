/* A node:cluster worker of cluster-dual-package.test.ts: serves one registry through the ES module copy and one through the CommonJS copy. */
import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import { Registry } from '../../src/core/registry.js';
import { serveClusterMetrics } from '../../src/cluster/index.js';

if (cluster.isWorker) {
  const require = createRequire(import.meta.url);
  const cjs = require('../../cjs/cluster/index.js') as { serveClusterMetrics: typeof serveClusterMetrics };
  const a = new Registry();
  a.counter('esm_jobs_total').increment(1);
  serveClusterMetrics(a);
  const b = new Registry();
  b.counter('cjs_jobs_total').increment(2);
  cjs.serveClusterMetrics(b);
}
