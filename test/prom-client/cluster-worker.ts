/* A node:cluster worker of cluster.test.ts: records with meterkit/prom-client's global register. */
import cluster from 'node:cluster';
import * as shim from '../../src/prom-client/index.js';

const id = cluster.worker?.id ?? 0;
new shim.Counter({ name: 'jobs_total', help: 'Jobs', labelNames: ['kind'] }).inc({ kind: 'all' }, 5);
new shim.Gauge({ name: 'worker_max_id', help: 'Largest worker id', aggregator: 'max' }).set(id);
const s = new shim.Summary({ name: 'latency_ms', help: 'Latency', percentiles: [0.5, 0.99] });
// worker 1 observes 1..1000, worker 2 observes 1001..2000: only a merge knows the true p50
for (let i = 1; i <= 1000; i++) s.observe((id - 1) * 1000 + i);
