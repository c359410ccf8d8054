/**
 * #15 review, round 2: retries and the writer's own metrics, against Prometheus's queue
 * manager (storage/remote/queue_manager.go). Each test fails on the code it was written
 * against; kept as regression tests once fixed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/index.js';
import { RemoteWriter } from '../../src/remote-write/index.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';
import { metricTotal } from '../helpers/metric-total.js';

describe('r15b review: remote write retries', () => {
  const receivers: WriteReceiver[] = [];
  const writers: RemoteWriter[] = [];
  after(async () => {
    for (const w of writers) await w.close();
    for (const r of receivers) await r.close();
  });

  it('after a Retry-After wait, the next backoff is twice that wait (capped at maxBackoff), not the small backoff it had before', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    // 503 asking for 1 s, then a plain 503, then accepted
    rx.script([{ status: 503, headers: { 'retry-after': '1' } }, { status: 503 }], { status: 204 });
    const stamps: number[] = [];
    const origPush = rx.requests.push.bind(rx.requests);
    rx.requests.push = (...items) => {
      for (let i = 0; i < items.length; i++) stamps.push(performance.now());
      return origPush(...items);
    };
    const reg = new Registry();
    reg.counter('jobs_total').increment(1);
    const w = new RemoteWriter({ url: rx.url, source: reg, metrics: new Registry(), sendMetadata: false, minBackoff: 10, maxBackoff: 800, onError: () => {} });
    writers.push(w);
    await w.flush();
    assert.equal(stamps.length, 3);
    const gap = (stamps[2] as number) - (stamps[1] as number);
    // Prometheus: sleepDuration = retryAfter (1 s); backoff = sleepDuration * 2, capped at MaxBackoff (800 ms)
    assert.ok(gap >= 700, `the retry after a plain 503 came ${gap.toFixed(0)} ms after the previous one; Prometheus waits min(2 × 1 s, maxBackoff) = 800 ms: a receiver that asked for a pause is hit again at once`);
  });

  it('metadata refused by the receiver is counted (Prometheus: prometheus_remote_storage_metadata_failed_total), not only reported once', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    rx.script([], { status: 400, body: 'no' });
    const reg = new Registry();
    reg.describeCounter('jobs_total', undefined, 'Jobs done.');
    reg.counter('jobs_total').increment(1);
    const metrics = new Registry();
    const w = new RemoteWriter({ url: rx.url, source: reg, metrics, flushDeadline: 100, onError: () => {} });
    writers.push(w);
    await w.flush();
    assert.ok(rx.requests.some((r) => r.decoded.metadata.length > 0), 'metadata was sent');
    assert.ok(metricTotal(metrics, 'meterkit_remote_write_metadata_failed_total') > 0, 'a refused metadata batch leaves no trace in the metrics (DESIGN: drops counted, never silent)');
  });

  it('metadata retried after a 5xx is counted (Prometheus: prometheus_remote_storage_metadata_retried_total)', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const reg = new Registry();
    reg.describeCounter('jobs_total', undefined, 'Jobs done.');
    reg.counter('jobs_total').increment(1);
    const metrics = new Registry();
    // the metadata request leaves first (takeSnapshot starts it before the shards)
    const w = new RemoteWriter({ url: rx.url, source: reg, metrics, sendMetadata: true, minBackoff: 5, maxBackoff: 10, onError: () => {} });
    writers.push(w);
    rx.script([{ status: 503 }, { status: 503 }], { status: 204 });
    await w.flush();
    assert.ok(rx.requests.some((r) => r.decoded.metadata.length > 0 && r.status === 503), 'the metadata request (sent first) got a 503');
    assert.ok(metricTotal(metrics, 'meterkit_remote_write_metadata_retried_total') > 0, 'metadata retries are not counted anywhere');
  });
});

describe('r15b review: remote write failure reports', () => {
  const receivers: WriteReceiver[] = [];
  const writers: RemoteWriter[] = [];
  after(async () => {
    for (const w of writers) await w.close();
    for (const r of receivers) await r.close();
  });

  it('a receiver that goes down after refusing one batch is reported: a new kind of failure is a new episode', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    // one batch refused (400, reported), then the receiver is away (503 on every request)
    rx.script([{ status: 400, body: 'bad sample' }], { status: 503 });
    const reg = new Registry();
    const jobs = reg.counter('jobs_total');
    jobs.increment(1);
    let t = 1_700_000_000_000;
    const errors: Error[] = [];
    const w = new RemoteWriter({ url: rx.url, source: reg, metrics: new Registry(), sendMetadata: false, now: () => t, minBackoff: 5, maxBackoff: 10, flushDeadline: 50, onError: (e) => errors.push(e) });
    writers.push(w);
    await w.flush(); // the 400
    t += 15_000;
    jobs.increment(1);
    await w.snapshot();
    // let it retry a few times against the 503s
    while (rx.requests.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(
      errors.some((e) => /503/.test(e.message)),
      `onError heard only: ${errors.map((e) => e.message).join(' | ')} — the receiver being down (retrying) is never told, as "samples" is still "failing" from the 400`,
    );
  });
});
