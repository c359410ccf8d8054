/**
 * #15 review, round 2 (f15b): a source whose series are new objects at every read — a cluster
 * primary's merged view (src/cluster/aggregator.ts), which the agent's writers now push — must
 * not look like every series went away and came back. The reader cached labels by series
 * object: each snapshot then ended every series with a StaleNaN stamped like its live sample
 * (Prometheus: "duplicate sample for timestamp", the request refused).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/index.js';
import { mergeSnapshots } from '../../src/cluster/merge.js';
import { takeSnapshot } from '../../src/cluster/snapshot.js';
import { RemoteWriter } from '../../src/remote-write/index.js';
import type { RemoteWriteSource } from '../../src/remote-write/index.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';

describe('r15b: remote write from a source of new series objects', () => {
  const receivers: WriteReceiver[] = [];
  const writers: RemoteWriter[] = [];
  after(async () => {
    for (const w of writers) await w.close();
    for (const r of receivers) await r.close();
  });

  it('sends each snapshot once per series and no stale marker for a series still there', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const reg = new Registry();
    reg.setHistogramOptions('lat_seconds', { buckets: [0.1, 1] });
    reg.counter('jobs_total', { queue: 'a' }).increment(1);
    reg.histogram('lat_seconds').record(0.5);
    // a merge of one snapshot, taken at each read: new family and series objects every time
    const source: RemoteWriteSource = { families: () => mergeSnapshots([takeSnapshot(reg, () => 'sum')], () => undefined).families };
    let t = 1_700_000_000_000;
    const w = new RemoteWriter({ url: rx.url, source, metrics: new Registry(), sendMetadata: false, now: () => t, onError: () => {} });
    writers.push(w);
    await w.flush();
    reg.counter('jobs_total', { queue: 'a' }).increment(1);
    t += 15_000;
    await w.flush();
    const all = rx.accepted();
    assert.deepEqual(all.filter((s) => Number.isNaN(s.value)).map((s) => s.labels.__name__), [], 'no stale markers');
    assert.deepEqual(all.filter((s) => s.labels.__name__ === 'jobs_total').map((s) => [s.timestamp, s.value]), [[t - 15_000, 1], [t, 2]]);
    assert.equal(all.filter((s) => s.labels.__name__ === 'lat_seconds_count').length, 2);
  });
});
