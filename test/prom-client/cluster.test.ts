/*
 * AggregatorRegistry on real node:cluster: two workers using meterkit/prom-client's global
 * register; the primary's clusterMetrics() sums counters, honours `aggregator`, and merges
 * summaries' sketches into a cluster-wide quantile (prom-client cannot aggregate summaries).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { AggregatorRegistry } from '../../src/prom-client/index.js';
import { clusterWorkers } from '../helpers/cluster-primary.js';

describe('meterkit/prom-client AggregatorRegistry', () => {
  const primary = clusterWorkers();
  const agg = new AggregatorRegistry();
  after(async () => {
    await agg.close();
    await primary.stop();
  });

  it('merges the workers: counters summed, aggregator max, summary quantiles over all observations', async () => {
    const workers = await primary.fork(new URL('./cluster-worker.js', import.meta.url), 2);
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
