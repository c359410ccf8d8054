/* A child_process.fork child of cluster-snapshot-cap.test.ts: two series, served over IPC. */
import { Registry } from '../../src/index.js';
import { serveClusterMetrics } from '../../src/cluster/index.js';

// loaded by the test runner too (it loads every file under dist/test/): only serve when forked
if (process.send !== undefined && process.env.METERKIT_CAP_CHILD === '1') {
  const registry = new Registry();
  registry.counter('forked_jobs_total', { queue: 'a' }).increment(1);
  registry.counter('forked_jobs_total', { queue: 'b' }).increment(2);
  serveClusterMetrics(registry);
  process.on('disconnect', () => process.exit(0));
}
