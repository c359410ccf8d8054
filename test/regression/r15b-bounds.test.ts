/**
 * #15 review, round 2: bounds, clocks and the one-rule-one-place rule of the remote writer.
 * Each test fails on the code it was written against; kept as regression tests once fixed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry } from '../../src/index.js';
import { MeterkitError } from '../../src/core/errors.js';
import { RemoteWriter } from '../../src/remote-write/index.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';
import { metricTotal } from '../helpers/metric-total.js';

const SRC = (p: string): string => readFileSync(fileURLToPath(new URL(`../../../src/${p}`, import.meta.url)), 'utf8');

describe('r15b review: remote write bounds', () => {
  const receivers: WriteReceiver[] = [];
  const writers: RemoteWriter[] = [];
  after(async () => {
    for (const w of writers) await w.close();
    for (const r of receivers) await r.close();
  });

  it('a huge maxSamplesPerSend is refused with a coded error naming it, not a RangeError from allocating its batch arrays', () => {
    let err: unknown;
    try {
      writers.push(new RemoteWriter({ url: 'http://127.0.0.1:9/api/v1/write', source: new Registry(), metrics: new Registry(), maxSamplesPerSend: 2 ** 40, onError: () => {} }));
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof MeterkitError, `got ${String(err)}: each shard preallocates maxSamplesPerSend × (8 + 8 + a pointer) bytes up front, with no upper bound`);
    assert.match(err.message, /maxSamplesPerSend/);
  });

  it('a wall clock stepped back does not silence the writer with nothing counted or reported', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const reg = new Registry();
    const jobs = reg.counter('jobs_total');
    jobs.increment(1);
    let t = 1_700_000_000_000;
    const errors: Error[] = [];
    const metrics = new Registry();
    const w = new RemoteWriter({ url: rx.url, source: reg, metrics, sendMetadata: false, now: () => t, onError: (e) => errors.push(e) });
    writers.push(w);
    await w.flush();
    t -= 3_600_000; // NTP steps the clock back an hour
    jobs.increment(1);
    await w.flush();
    const sent = rx.accepted().filter((s) => s.labels.__name__ === 'jobs_total').length;
    const dropped = metricTotal(metrics, 'meterkit_remote_write_samples_dropped_total');
    assert.ok(sent === 2 || dropped > 0 || errors.length > 0, `the second snapshot's sample was skipped (ts <= ref.last) with no counter and no onError: for the next hour nothing is sent and nobody is told (sent ${sent}, dropped ${dropped}, errors ${errors.length})`);
  });

  it("exposes the highest timestamp taken in (Prometheus's prometheus_remote_storage_highest_timestamp_in_seconds), so the lag behind the sent one can be alerted on", async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    rx.script([], { status: 503 });
    const reg = new Registry();
    reg.counter('jobs_total').increment(1);
    const metrics = new Registry();
    const t = 1_700_000_000_000;
    const w = new RemoteWriter({ url: rx.url, source: reg, metrics, sendMetadata: false, now: () => t, minBackoff: 5, maxBackoff: 10, flushDeadline: 50, onError: () => {} });
    writers.push(w);
    await w.snapshot();
    // the mixin's PrometheusRemoteWriteBehind: highest_timestamp_in - queue_highest_sent_timestamp
    assert.equal(metricTotal(metrics, 'meterkit_remote_write_highest_timestamp_in_seconds'), t / 1000, 'with the receiver down, only the sent timestamp exists (0): the lag cannot be computed');
  });

  it('the bound of shards (200) is one rule in one place, not written again in the flags and the config schema', () => {
    const copies = ['cli/remote-write.ts', 'cli/config/schema.ts'].filter((f) => /shards[^\n]*max: 200/.test(SRC(f)));
    assert.deepEqual(copies, [], "DESIGN: one rule, one place — the library's resolveOptions checks shards ≤ 200; these files repeat the number");
  });
});
