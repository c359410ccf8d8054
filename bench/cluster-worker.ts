/**
 * A worker of bench/cluster.ts: the same 10 000 series in a meterkit registry (served with
 * serveClusterMetrics) and in prom-client's global registry (served by its AggregatorRegistry's
 * worker listener), so both primaries ask the same processes over the same IPC channel.
 */
import client from 'prom-client';
import { Registry } from '../src/core/registry.js';
import { serveClusterMetrics } from '../src/cluster/index.js';
import { SERIES_ROUTES, SERIES_CODES } from './cluster-shape.js';

const slot = Number(process.env.METERKIT_CLUSTER_SLOT ?? 0);
const registry = new Registry({ cardinalityLimit: 100_000 });
registry.describeCounter('http_requests_total', undefined, 'Requests');
const prom = new client.Counter({ name: 'http_requests_total', help: 'Requests', labelNames: ['route', 'code'] });
for (let r = 0; r < SERIES_ROUTES; r++) {
  for (let c = 0; c < SERIES_CODES; c++) {
    const labels = { route: `/api/v1/resource_${r}`, code: String(200 + c) };
    registry.counter('http_requests_total', labels).increment(slot + r + c);
    prom.inc(labels, slot + r + c);
  }
}
serveClusterMetrics(registry);
// adds prom-client's worker listener (its constructor does, in a worker)
new client.AggregatorRegistry();
// keeps the worker alive until the primary disconnects it
setInterval(() => undefined, 1 << 30);
