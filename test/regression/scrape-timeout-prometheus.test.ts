/**
 * Issue #8 §2 and §3 against a real Prometheus: with a collector that hangs, a target whose
 * inline timeout (60 s) is longer than Prometheus' scrape timeout (2 s) still answers in time
 * (before: every scrape timed out and `up` was 0); and the buckets Prometheus stores keep the
 * text 0.0.4 spelling `le="1"` (before: it negotiated OpenMetrics and stored `le="1.0"`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { HttpServer } from '../../src/http/index.js';
import { createMetricsHandler } from '../../src/prometheus/index.js';
import type { RunningPrometheus } from '../helpers/prometheus.js';
import { startPrometheus } from '../helpers/prometheus.js';
import { needs, waitFor } from '../helpers/tools.js';

describe('regression: a real Prometheus scrapes a target whose collector hangs', { ...needs('prometheus') }, () => {
  const registry = new Registry({ collectTimeout: 60_000 });
  const server = new HttpServer({ port: 0 });
  let prom: RunningPrometheus | undefined;
  const releases: Array<() => void> = [];

  before(async () => {
    registry.setHistogramOptions('job_seconds', { buckets: [0.5, 1, 2] });
    registry.histogram('job_seconds').record(0.7);
    registry.addCollector('hung', () => new Promise<void>((r) => releases.push(r)));
    server.route('/metrics', createMetricsHandler(registry));
    await server.listen();
    prom = await startPrometheus(new URL(server.url()).host, 'hung', { interval: '2s', timeout: '2s' });
  });
  after(async () => {
    await prom?.stop();
    for (const r of releases) r();
    await server.close();
  });

  const query = (q: string): ReturnType<RunningPrometheus['query']> => (prom as RunningPrometheus).query(q);

  it('is up, answered within the scrape timeout, with le="1" buckets', async () => {
    const up = await waitFor(() => query('up{job="hung"} == 1'), 30_000, 'up == 1 for the hung target');
    assert.equal(up[0]?.value[1], '1');
    const duration = await waitFor(() => query('scrape_duration_seconds{job="hung"}'), 10_000, 'scrape_duration_seconds');
    assert.ok(Number(duration[0]?.value[1]) < 2, `scrape took ${duration[0]?.value[1]} s`);
    await waitFor(() => query('job_seconds_bucket{le="1"}'), 10_000, 'the le="1" bucket');
    assert.equal(await query('job_seconds_bucket{le="1.0"}'), undefined);
    assert.equal(await query('job_seconds_created'), undefined);
  });
});
