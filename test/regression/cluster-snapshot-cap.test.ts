/*
 * #13 item 16: a worker's snapshot had no size bound: the primary checked, merged and rendered
 * whatever a worker sent. Now a snapshot over `maxSnapshotSeries` series or `maxSnapshotBytes`
 * (approximate encoded size) is refused whole and the worker counted under
 * meterkit_cluster_worker_failures_total{reason="too_large"}.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Registry } from '../../src/core/registry.js';
import { ClusterAggregator, SnapshotTooLargeError, readSnapshot, takeSnapshot } from '../../src/cluster/index.js';
import { render } from '../../src/prometheus/index.js';

function registryOf(n: number): Registry {
  const r = new Registry();
  for (let i = 0; i < n; i++) r.counter('jobs_total', { queue: `q${i}` }).increment(1);
  return r;
}

describe('cluster snapshot size caps', () => {
  it('readSnapshot refuses a snapshot over maxSeries or maxBytes, and takes one within both', () => {
    const snap = JSON.parse(JSON.stringify(takeSnapshot(registryOf(3), () => 'sum'))) as unknown;
    assert.throws(() => readSnapshot(snap, { maxSeries: 2, maxBytes: 1e9 }), (err: unknown) => err instanceof SnapshotTooLargeError && /more than 2 series/.test(err.message));
    assert.throws(() => readSnapshot(snap, { maxSeries: 100, maxBytes: 40 }), (err: unknown) => err instanceof SnapshotTooLargeError && /more than 40 bytes/.test(err.message));
    assert.equal(readSnapshot(snap, { maxSeries: 3, maxBytes: 1e6 }).families[0]?.series.length, 3);
  });

  it('rejects bad caps', () => {
    assert.throws(() => new ClusterAggregator({ cluster: false, maxSnapshotSeries: 0 }), /maxSnapshotSeries/);
    assert.throws(() => new ClusterAggregator({ cluster: false, maxSnapshotBytes: 1.5 }), /maxSnapshotBytes/);
  });

  describe('a worker over the cap', () => {
    const children: ChildProcess[] = [];
    const aggs: ClusterAggregator[] = [];
    after(async () => {
      await Promise.all(aggs.map((a) => a.close()));
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
    });

    for (const [what, options] of [
      ['series', { maxSnapshotSeries: 1 }],
      ['bytes', { maxSnapshotBytes: 8 }],
    ] as const) {
      it(`is left out of the scrape and counted as too_large (${what})`, async () => {
        const errors: string[] = [];
        const agg = new ClusterAggregator({ cluster: false, onError: (e) => void errors.push(e.message), ...options });
        aggs.push(agg);
        // forked after the aggregator exists: it says ready at once (PRIMARY_ENV)
        const child = fork(fileURLToPath(new URL('./cluster-snapshot-cap-child.js', import.meta.url)), { env: { ...process.env, METERKIT_CAP_CHILD: '1' } });
        children.push(child);
        await once(child, 'message');
        agg.addWorker(child);
        agg.registry.counter('primary_total').increment(1);
        await agg.collect();
        const text = render(agg);
        assert.match(text, /^meterkit_cluster_worker_failures_total\{reason="too_large"\} 1$/m, text);
        assert.doesNotMatch(text, /forked_jobs_total/, text);
        assert.match(text, /^primary_total 1$/m, text);
        assert.match(errors.join('\n'), /too_large.*snapshot too large/);
      });
    }
  });
});
