/**
 * A test worker, run by `meterkit agent --cluster` (node:cluster) or as a worker thread. It
 * records known metrics and serves them to the primary. Its behaviour comes from the env or
 * workerData `mode`:
 * - `normal`: answers;
 * - `slow`: slot 0 never finishes its collectors (so never answers);
 * - `kill-once`: slot 1 SIGKILLs itself on the first request it sees (a marker file in
 *   METERKIT_TEST_DIR makes its restarted self answer);
 * - `bad`: answers every request with a snapshot that fails the primary's check;
 * - `late`: answers after `delay` ms, whatever the primary's timeout.
 * Loaded any other way (the test runner loads every file under test/) it does nothing.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Registry } from '../../src/core/registry.js';
import { CLUSTER_MESSAGE_TAG, serveClusterMetrics } from '../../src/cluster/index.js';
import { jobsOf, observations } from './cluster-data.js';

interface Settings {
  slot: number;
  mode: string;
  dir: string;
  delay: number;
}

const asWorker = !isMainThread || process.env.METERKIT_CLUSTER_SLOT !== undefined;
const settings: Settings = isMainThread
  ? { slot: Number(process.env.METERKIT_CLUSTER_SLOT ?? 0), mode: process.env.METERKIT_TEST_MODE ?? 'normal', dir: process.env.METERKIT_TEST_DIR ?? '', delay: 0 }
  : (workerData as Settings);

const registry = new Registry();
if (asWorker) record();

/** The metrics a test worker shows (function declarations are hoisted: called above). */
function record(): void {
  registry.describeCounter('jobs_total', undefined, 'Jobs done');
  registry.describeGauge('temperature', undefined, 'A gauge the workers max');
  registry.describeHistogram('latency_seconds', undefined, 'Job latency');
  registry.describeHistogram('size_bytes', undefined, 'Job size');
  registry.setHistogramOptions('latency_seconds', { buckets: [], quantiles: true });
  registry.setHistogramOptions('size_bytes', { buckets: [100, 1000] });
  registry.counter('jobs_total', { queue: 'main' }).increment(jobsOf(settings.slot));
  registry.counter('jobs_total', { queue: `only_${settings.slot}` }).increment(1);
  registry.gauge('temperature', {}).set(settings.slot + 1);
  const latency = registry.histogram('latency_seconds');
  for (const v of observations(settings.slot)) latency.record(v);
  registry.histogram('size_bytes').record(50 * (settings.slot + 1));
}

const never = new Promise<void>(() => undefined);
const slowSlot = settings.mode === 'slow' && settings.slot === 0;

if (asWorker && settings.mode === 'kill-once' && settings.slot === 1) {
  const marker = join(settings.dir, 'killed');
  process.on('message', (msg: unknown) => {
    if (typeof msg === 'object' && msg !== null && (msg as Record<string, unknown>)[CLUSTER_MESSAGE_TAG] === 'request' && !existsSync(marker)) {
      writeFileSync(marker, 'x');
      process.kill(process.pid, 'SIGKILL');
    }
  });
}

if (!asWorker) {
  // not started as a worker: nothing to serve
} else if (settings.mode === 'bad' || settings.mode === 'late') {
  const port = parentPort;
  port?.on('message', (msg: unknown) => {
    const m = msg as Record<string, unknown>;
    if (m[CLUSTER_MESSAGE_TAG] !== 'request') return;
    const reply = settings.mode === 'bad'
      ? { [CLUSTER_MESSAGE_TAG]: 'response', id: m.id, snapshot: { families: [{ name: 'x', kind: 'counter', aggregation: 'sum', series: [{ names: [], values: [], created: 0, value: -1 }] }] } }
      : { [CLUSTER_MESSAGE_TAG]: 'response', id: m.id, snapshot: { families: [{ name: 'late_total', kind: 'counter', aggregation: 'sum', series: [{ names: [], values: [], created: 0, value: 1 }] }] } };
    const t = setTimeout(() => port.postMessage(reply), settings.delay);
    t.unref();
  });
} else {
  serveClusterMetrics(
    {
      families: () => registry.families(),
      createdAt: (s) => registry.createdAt(s),
      collect: slowSlot ? () => never : (o) => registry.collect(o),
    },
    { aggregation: [['temperature', 'max']] },
  );
}
