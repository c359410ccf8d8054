/**
 * #15 review, round 2, against a real Prometheus 2.42: a series removed and registered again
 * between two snapshots (prom-client's remove()/reset() pattern, a label set that comes back)
 * gets its live sample and then a StaleNaN with the same labels and timestamp. When the two
 * land in one request Prometheus keeps the first; when the marker lands in a later request
 * (batch boundary: stale markers are queued after every live sample) Prometheus refuses that
 * request with 400 (duplicate sample for timestamp) and stores none of it. Fixed; kept as a regression test.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/index.js';
import { REMOTE_WRITE_METRICS, RemoteWriter } from '../../src/remote-write/index.js';
import type { Receiver } from '../helpers/remote-write-receivers.js';
import { startReceiver } from '../helpers/remote-write-receivers.js';
import { needs } from '../helpers/tools.js';
import { metricTotal } from '../helpers/metric-total.js';

describe('r15b review: a re-registered series and a real Prometheus', needs('prometheus'), () => {
  let receiver: Receiver | undefined;
  const writers: RemoteWriter[] = [];
  after(async () => {
    for (const w of writers) await w.close();
    await receiver?.remove();
  });

  it('the snapshot after remove() + re-register is stored whole: no request of it is refused', async () => {
    receiver = await startReceiver('prometheus');
    const reg = new Registry();
    reg.counter('r15b_jobs_total', { queue: 'a' }).increment(1);
    reg.counter('r15b_other_total').increment(7);
    const metrics = new Registry();
    const errors: Error[] = [];
    let t = Date.now() - 60_000;
    const w = new RemoteWriter({ url: receiver.writeUrl, source: reg, metrics, sendMetadata: false, maxSamplesPerSend: 2, now: () => t, onError: (e) => errors.push(e) });
    writers.push(w);
    await w.flush();
    reg.remove('r15b_jobs_total', { queue: 'a' });
    reg.counter('r15b_jobs_total', { queue: 'a' }).increment(5);
    reg.counter('r15b_other_total').increment(1);
    t += 15_000;
    await w.flush();
    assert.equal(metricTotal(metrics, REMOTE_WRITE_METRICS.failed), 0, `Prometheus refused the second batch: ${errors[0]?.message ?? ''}`);
    const jobs = await receiver.series('r15b_jobs_total');
    assert.deepEqual(jobs[0]?.values, [1, 5]);
  });
});
