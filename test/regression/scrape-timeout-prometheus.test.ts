/**
 * Issue #8 §2 and §3 against a real Prometheus: with a collector that hangs, a target whose
 * inline timeout (60 s) is longer than Prometheus' scrape timeout (2 s) still answers in time
 * (before: every scrape timed out and `up` was 0); and the buckets Prometheus stores keep the
 * text 0.0.4 spelling `le="1"` (before: it negotiated OpenMetrics and stored `le="1.0"`).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { HttpServer } from '../../src/http/index.js';
import { createMetricsHandler } from '../../src/prometheus/index.js';
import { freePort, needs, requireTools, startProcess, tempDir, waitFor } from '../helpers/tools.js';

type Result = Array<{ metric: Record<string, string>; value: [number, string] }>;

describe('regression: a real Prometheus scrapes a target whose collector hangs', { ...needs('prometheus') }, () => {
  const registry = new Registry({ collectTimeout: 60_000 });
  const server = new HttpServer({ port: 0 });
  const tmp = tempDir('prom-timeout');
  let prom: ReturnType<typeof startProcess> | undefined;
  let promUrl = '';
  const releases: Array<() => void> = [];

  before(async () => {
    requireTools('prometheus');
    registry.setHistogramOptions('job_seconds', { buckets: [0.5, 1, 2] });
    registry.histogram('job_seconds').record(0.7);
    registry.addCollector('hung', () => new Promise<void>((r) => releases.push(r)));
    server.route('/metrics', createMetricsHandler(registry));
    await server.listen();
    const config = join(tmp.dir, 'prometheus.yml');
    writeFileSync(config, `global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\nscrape_configs:\n  - job_name: hung\n    static_configs:\n      - targets: ['${new URL(server.url()).host}']\n`);
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = startProcess('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(tmp.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    await waitFor(async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), 30_000, `prometheus ready: ${prom.output().slice(-2000)}`);
  });
  after(async () => {
    await prom?.stop();
    for (const r of releases) r();
    await server.close();
    tmp.remove();
  });

  async function query(q: string): Promise<Result | undefined> {
    const r = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: Result } };
    return r.data.result.length > 0 ? r.data.result : undefined;
  }

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
