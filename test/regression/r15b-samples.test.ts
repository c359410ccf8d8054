/**
 * #15 review, round 2: what the remote writer sends. Each test fails on the code it was written
 * against; kept as regression tests once fixed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/index.js';
import { RemoteWriter } from '../../src/remote-write/index.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';

describe('r15b review: remote write samples', () => {
  const receivers: WriteReceiver[] = [];
  const writers: RemoteWriter[] = [];
  after(async () => {
    for (const w of writers) await w.close();
    for (const r of receivers) await r.close();
  });

  it('a series removed and registered again within one interval gets no stale marker after its live sample (the receiver would store the series as stale, or refuse the duplicate timestamp)', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const reg = new Registry();
    reg.counter('jobs_total', { queue: 'a' }).increment(1);
    let t = 1_700_000_000_000;
    const w = new RemoteWriter({ url: rx.url, source: reg, metrics: new Registry(), sendMetadata: false, now: () => t, onError: () => {} });
    writers.push(w);
    await w.flush();
    // prom-client's remove()/reset() pattern: the series goes and comes back with the same labels
    reg.remove('jobs_total', { queue: 'a' });
    reg.counter('jobs_total', { queue: 'a' }).increment(5);
    t += 15_000;
    await w.flush();
    const at2 = rx.accepted().filter((s) => s.labels.__name__ === 'jobs_total' && s.timestamp === t);
    assert.deepEqual(
      at2.map((s) => (Number.isNaN(s.value) ? 'StaleNaN' : s.value)),
      [5],
      'one sample of the live series at this snapshot; a StaleNaN after it with the same labels and timestamp ends the live series (Prometheus: duplicate sample for timestamp, the whole batch refused with 400)',
    );
  });

  it('a summary sends the quantiles its layout reports (reportedQuantiles, prom-client percentiles), as /metrics shows them', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const reg = new Registry();
    reg.setHistogramOptions('rpc_seconds', { buckets: [], quantiles: true, reportedQuantiles: [0.25, 0.75] });
    const h = reg.histogram('rpc_seconds');
    for (let i = 1; i <= 100; i++) h.record(i / 100);
    const w = new RemoteWriter({ url: rx.url, source: reg, metrics: new Registry(), sendMetadata: false, onError: () => {} });
    writers.push(w);
    await w.flush();
    const qs = rx
      .accepted()
      .filter((s) => s.labels.__name__ === 'rpc_seconds')
      .map((s) => s.labels.quantile)
      .sort();
    assert.deepEqual(qs, ['0.25', '0.75'], 'the text format shows quantile="0.25" and "0.75"; the writer sends the default set instead');
  });
});
