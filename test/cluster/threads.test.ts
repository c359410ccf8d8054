import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Registry } from '../../src/core/registry.js';
import { ClusterAggregator, CLUSTER_MESSAGE_TAG } from '../../src/cluster/index.js';
import { render } from '../../src/prometheus/render.js';
import { jobsOf } from '../helpers/cluster-data.js';

const FIXTURE = new URL('../helpers/cluster-worker.js', import.meta.url);
const started: Worker[] = [];

/** Starts a fixture worker thread and resolves once it is running. */
async function thread(slot: number, mode = 'normal', delay = 0): Promise<Worker> {
  const w = new Worker(FIXTURE, { workerData: { slot, mode, dir: '', delay } });
  started.push(w);
  await new Promise<void>((resolve, reject) => {
    w.once('online', () => resolve());
    w.once('error', reject);
  });
  return w;
}

/** The value of one sample line of `text`, or undefined. */
function sample(text: string, line: string): number | undefined {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit === undefined ? undefined : Number(hit.slice(line.length + 1));
}

/** Collects until every worker answered (a thread may get the first request before it listens). */
async function settled(agg: ClusterAggregator, expect: (text: string) => boolean): Promise<string> {
  for (let i = 0; i < 50; i++) {
    await agg.collect({ inlineTimeout: 2000 });
    const text = render(agg);
    if (expect(text)) return text;
  }
  throw new Error(`never settled: ${render(agg)}`);
}

after(async () => {
  await Promise.all(started.map((w) => w.terminate()));
});

describe('ClusterAggregator with worker_threads', () => {
  it('merges the threads and its own registry: counters sum, gauges by the worker-chosen mode', async () => {
    const registry = new Registry();
    registry.counter('jobs_total', { queue: 'main' }).increment(1000);
    const agg = new ClusterAggregator({ registry, cluster: false });
    for (let s = 0; s < 3; s++) agg.addWorker(await thread(s));
    const total = 1000 + jobsOf(0) + jobsOf(1) + jobsOf(2);
    const text = await settled(agg, (t) => sample(t, 'jobs_total{queue="main"}') === total);
    assert.equal(sample(text, 'jobs_total{queue="only_2"}'), 1);
    // the workers chose max for temperature: slot 2 sets 3
    assert.equal(sample(text, 'temperature'), 3);
    assert.equal(sample(text, 'size_bytes_count'), 3);
    assert.equal(sample(text, 'size_bytes_bucket{le="100"}'), 2);
    assert.equal(sample(text, 'meterkit_cluster_workers'), 3);
    // the primary overrides the workers' choice
    agg.setAggregation('temperature', 'min');
    await agg.collect();
    assert.equal(sample(render(agg), 'temperature'), 1);
  });

  it('leaves a slow thread out (counted as timeout), drops its late answer, and counts a bad snapshot', async () => {
    const agg = new ClusterAggregator({ cluster: false, timeout: 1000, onError: () => undefined });
    const late = await thread(0, 'late', 3000);
    agg.addWorker(late);
    agg.addWorker(await thread(1, 'bad'));
    const lateAnswer = new Promise<void>((resolve) => late.on('message', (m: Record<string, unknown>) => m[CLUSTER_MESSAGE_TAG] === 'response' && resolve()));
    await agg.collect();
    const text = render(agg);
    assert.equal(sample(text, 'meterkit_cluster_worker_failures_total{reason="timeout"}'), 1);
    assert.equal(sample(text, 'meterkit_cluster_worker_failures_total{reason="error"}'), 1);
    assert.equal(sample(text, 'meterkit_cluster_workers'), 2);
    await lateAnswer;
    // the late answer found its request gone: nothing of it is shown
    await agg.collect({ inlineTimeout: 100 });
    assert.equal(sample(render(agg), 'late_total'), undefined);
    assert.equal(sample(render(agg), 'meterkit_cluster_worker_failures_total{reason="timeout"}'), 2);
  });

  it('forgets a thread that exited and answers without it', async () => {
    const agg = new ClusterAggregator({ cluster: false });
    const w = await thread(0);
    agg.addWorker(w);
    await w.terminate();
    await agg.collect({ inlineTimeout: 500 });
    assert.equal(sample(render(agg), 'meterkit_cluster_workers'), 0);
  });
});
