/*
 * AggregatorRegistry on real node:cluster: two workers using meterkit/prom-client's global
 * register; the primary's clusterMetrics() sums counters, honours `aggregator`, and merges
 * summaries' sketches into a cluster-wide quantile (prom-client cannot aggregate summaries).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry } from '../../src/prom-client/index.js';

describe('meterkit/prom-client AggregatorRegistry', () => {
  const workers: Worker[] = [];
  const agg = new AggregatorRegistry();
  after(async () => {
    await agg.close();
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', () => resolve());
      w.kill();
    })));
  });

  it('merges the workers: counters summed, aggregator max, summary quantiles over all observations', async () => {
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./cluster-worker.js', import.meta.url)), silent: false });
    for (let i = 0; i < 2; i++) {
      const w = cluster.fork();
      workers.push(w);
      await new Promise<void>((resolve) => w.once('online', () => resolve()));
    }
    const value = (text: string, re: RegExp): number => Number(re.exec(text)?.[1]);
    let text = '';
    // each worker says when it listens; until both have, a scrape may see one
    for (let i = 0; i < 50; i++) {
      text = await agg.clusterMetrics();
      if (value(text, /^jobs_total\{kind="all"\} (\S+)$/m) === 10) break;
      await new Promise<void>((resolve) => cluster.once('message', () => resolve()));
    }
    assert.equal(value(text, /^jobs_total\{kind="all"\} (\S+)$/m), 10, text);
    assert.equal(value(text, /^worker_max_id (\S+)$/m), Math.max(...workers.map((w) => w.id)), text);
    assert.equal(value(text, /^latency_ms_count (\S+)$/m), 2000, text);
    const p50 = value(text, /^latency_ms\{quantile="0.5"\} (\S+)$/m);
    assert.ok(Math.abs(p50 - 1000) <= 20, `merged p50 ${p50}: ${text}`);
  });
});
