/* A node:cluster worker of prom13-cluster.test.ts: prom-client-style metrics with non-sum aggregators. */
import * as shim from '../../src/prom-client/index.js';

// prom-client aggregates any metric by any aggregator, value by value (buckets, quantiles, sum, count)
new shim.Summary({ name: 'rpc_seconds', help: 'RPC latency', percentiles: [0.5], aggregator: 'average' }).observe(2);
new shim.Histogram({ name: 'req_seconds', help: 'Request latency', buckets: [1], aggregator: 'max' }).observe(0.5);
new shim.Counter({ name: 'ready_total', help: 'Ready' }).inc();
