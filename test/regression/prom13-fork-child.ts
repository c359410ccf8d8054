/* A child_process.fork child of prom13-fork.test.ts (a PM2-style / process-manager worker): answers over IPC. */
import { Registry } from '../../src/index.js';
import { serveClusterMetrics } from '../../src/cluster/index.js';

// the test runner loads every file under dist/test/ too: only serve when forked (an IPC parent)
if (process.send !== undefined) {
  const registry = new Registry();
  registry.counter('forked_jobs_total').increment(3);
  serveClusterMetrics(registry);
  // stays alive until the parent disconnects
  process.on('disconnect', () => process.exit(0));
}
