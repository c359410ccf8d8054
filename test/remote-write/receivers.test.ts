/**
 * End to end against real receivers (Prometheus 2.42 with its remote-write receiver, and
 * VictoriaMetrics): what is written is read back through each one's HTTP API, sample for sample.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/index.js';
import { REMOTE_WRITE_METRICS, RemoteWriter } from '../../src/remote-write/index.js';
import type { Receiver, ReceiverKind, StoredSeries } from '../helpers/remote-write-receivers.js';
import { startReceiver } from '../helpers/remote-write-receivers.js';
import { needs } from '../helpers/tools.js';

const TOOL = { prometheus: 'prometheus', 'victoria-metrics': 'victoria-metrics' } as const;

/** The value of a writer metric, summed over its series. */
function metric(reg: Registry, name: string): number {
  let n = 0;
  reg.family(name)?.forEachSeries((s) => (n += s.kind === 'counter' || s.kind === 'gauge' ? s.value : 0));
  return n;
}

function only(rows: StoredSeries[], what: string): StoredSeries {
  assert.equal(rows.length, 1, `one series for ${what}, got ${JSON.stringify(rows)}`);
  return rows[0] as StoredSeries;
}

/**
 * Prometheus stores float64s as given; VictoriaMetrics converts them to decimals (its storage
 * keeps about 12 significant digits), so there a value need only agree to that precision.
 */
function sameValues(kind: ReceiverKind, actual: number[], expected: number[], what: string): void {
  if (kind === 'prometheus') return assert.deepEqual(actual, expected, what);
  assert.equal(actual.length, expected.length, what);
  actual.forEach((v, i) => {
    const e = expected[i] as number;
    assert.ok(Math.abs(v - e) <= Math.abs(e) * 1e-12, `${what}: ${v} is not ${e}`);
  });
}

for (const kind of ['prometheus', 'victoria-metrics'] as ReceiverKind[]) {
  describe(`remote write to ${kind}`, needs(TOOL[kind]), () => {
    let receiver: Receiver | undefined;
    const writers: RemoteWriter[] = [];
    after(async () => {
      for (const w of writers) await w.close();
      await receiver?.remove();
    });

    it('writes counters, gauges, histograms and summaries that read back equal', async () => {
      receiver = await startReceiver(kind);
      const reg = new Registry();
      reg.setHistogramOptions('rw_latency_seconds', { buckets: [0.1, 1] });
      reg.setHistogramOptions('rw_size_bytes', { buckets: [], quantiles: true });
      reg.describeCounter('rw_requests_total', undefined, 'Requests served');
      const requests = reg.counter('rw_requests_total', { method: 'GET' });
      const own = reg.counter('rw_requests_total', { method: 'PUT', site: 'mine' });
      const temp = reg.gauge('rw_temperature_celsius');
      const latency = reg.histogram('rw_latency_seconds');
      const size = reg.histogram('rw_size_bytes');
      const base = Date.now() - 60_000;
      let t = base;
      const w = new RemoteWriter({ url: receiver.writeUrl, source: reg, metrics: new Registry(), externalLabels: { site: 'test' }, now: () => t, minBackoff: 10, maxBackoff: 200 });
      writers.push(w);

      requests.increment(3);
      own.increment(1);
      temp.set(21.5);
      for (const v of [0.05, 0.5, 2]) latency.record(v);
      for (let i = 1; i <= 100; i++) size.record(i);
      await w.flush();
      const sum1 = reg.view(latency).sum;
      t += 1000;
      requests.increment(2);
      temp.set(-4.25);
      latency.record(0.07);
      await w.flush();

      const get = async (sel: string): Promise<StoredSeries> => only(await receiver!.series(sel), sel);
      const c = await get('rw_requests_total{method="GET"}');
      sameValues(kind, c.values, [3, 5], 'counter');
      assert.deepEqual(c.timestamps, [base, base + 1000]);
      assert.equal(c.metric.site, 'test', 'external label added');
      assert.equal((await get('rw_requests_total{method="PUT"}')).metric.site, 'mine', "the series' own label wins");
      sameValues(kind, (await get('rw_temperature_celsius')).values, [21.5, -4.25], 'rw_temperature_celsius');
      sameValues(kind, (await get('rw_latency_seconds_bucket{le="0.1"}')).values, [1, 2], 'rw_latency_seconds_bucket{le="0.1"}');
      sameValues(kind, (await get('rw_latency_seconds_bucket{le="1"}')).values, [2, 3], 'rw_latency_seconds_bucket{le="1"}');
      sameValues(kind, (await get('rw_latency_seconds_bucket{le="+Inf"}')).values, [3, 4], 'rw_latency_seconds_bucket{le="+Inf"}');
      sameValues(kind, (await get('rw_latency_seconds_count')).values, [3, 4], 'rw_latency_seconds_count');
      sameValues(kind, (await get('rw_latency_seconds_sum')).values, [sum1, reg.view(latency).sum], 'rw_latency_seconds_sum');
      const sketch = reg.view(size).sketch;
      assert.ok(sketch !== null);
      sameValues(kind, (await get('rw_size_bytes{quantile="0.5"}')).values, [sketch.quantile(0.5), sketch.quantile(0.5)], 'rw_size_bytes{quantile="0.5"}');
      sameValues(kind, (await get('rw_size_bytes_count')).values, [100, 100], 'rw_size_bytes_count');
      sameValues(kind, (await get('rw_size_bytes_sum')).values, [5050, 5050], 'rw_size_bytes_sum');
    });

    // VictoriaMetrics accepts out-of-order samples: Prometheus is the one that refuses them
    if (kind === 'prometheus') it('a sample the receiver refuses (out of order) is counted failed, not retried', async () => {
      assert.ok(receiver !== undefined);
      const reg = new Registry();
      const metrics = new Registry();
      reg.counter('rw_requests_total', { method: 'GET' }).increment(1);
      const errors: Error[] = [];
      // older than what the first test stored for this series
      const w = new RemoteWriter({ url: receiver.writeUrl, source: reg, metrics, externalLabels: { site: 'test' }, now: () => Date.now() - 3_000_000, sendMetadata: false, onError: (e) => errors.push(e) });
      writers.push(w);
      await w.flush();
      assert.equal(metric(metrics, REMOTE_WRITE_METRICS.failed), 1);
      assert.equal(metric(metrics, REMOTE_WRITE_METRICS.retried), 0);
      assert.match(errors[0]?.message ?? '', /HTTP 400: .*out of (order|bounds)/);
    });

    // the marker's exact bits matter: Prometheus ends a series only on StaleNaN (a plain NaN is a value)
    if (kind === 'prometheus') it('a series that goes away ends at the next snapshot (stale marker): an instant query no longer finds it', async () => {
      assert.ok(receiver !== undefined);
      const reg = new Registry();
      reg.counter('rw_going_total', { job: 'x' }).increment(2);
      let gone = false;
      const t0 = Date.now() - 60_000;
      let t = t0;
      const w = new RemoteWriter({ url: receiver.writeUrl, source: { families: () => (gone ? [] : reg.families()) }, metrics: new Registry(), sendMetadata: false, now: () => t, onError: () => {} });
      writers.push(w);
      await w.flush();
      gone = true;
      t += 1000;
      await w.flush();
      const at = async (ms: number): Promise<unknown[]> => {
        const base = receiver!.writeUrl.replace(/\/api\/v1\/write$/, '');
        const r = (await (await fetch(`${base}/api/v1/query?query=rw_going_total&time=${ms / 1000}`)).json()) as { data: { result: unknown[] } };
        return r.data.result;
      };
      assert.equal((await at(t0 + 500)).length, 1, 'the sample is there before the marker');
      // without the marker the 5 min lookback would still return the last sample here
      assert.deepEqual(await at(t + 500), [], 'gone after the marker');
    });

    it('an outage loses nothing within the buffer and counts what it drops beyond it', async () => {
      assert.ok(receiver !== undefined);
      const reg = new Registry();
      const metrics = new Registry();
      const gauges = Array.from({ length: 10 }, (_, i) => reg.gauge('rw_outage', { i: String(i) }));
      const base = Date.now() - 30_000;
      let k = 0;
      // one shard, 10 samples per request, 30 buffered: 10 in flight + 30 queued survive
      const w = new RemoteWriter({ url: receiver.writeUrl, source: reg, metrics, now: () => base + k * 1000, shards: 1, maxSamplesPerSend: 10, maxPendingSamples: 30, minBackoff: 10, maxBackoff: 100, onError: () => {} });
      writers.push(w);
      await receiver.stop();
      for (k = 1; k <= 5; k++) {
        for (const g of gauges) g.set(k);
        await w.snapshot();
      }
      assert.equal(w.pending, 40, '10 in flight and 30 queued');
      assert.equal(metric(metrics, REMOTE_WRITE_METRICS.dropped), 10, 'the oldest queued snapshot was dropped and counted');
      await receiver.start();
      k = 5; // flush's snapshot is then no newer than the last: not queued again
      await w.flush();
      const rows = await receiver.series('rw_outage');
      assert.equal(rows.length, 10);
      for (const r of rows) {
        // snapshot 1 was in flight; snapshot 2 was the oldest queued when the buffer overflowed
        assert.deepEqual(r.values, [1, 3, 4, 5], `series ${r.metric.i}`);
        assert.deepEqual(r.timestamps, [1, 3, 4, 5].map((n) => base + n * 1000));
      }
      const retried = metric(metrics, REMOTE_WRITE_METRICS.retried);
      assert.ok(retried >= 10, `the in-flight batch was retried (${retried})`);
    });
  });
}
