/**
 * Issue #8 §3: a hung collector (a Docker engine that does not answer) made every scrape wait
 * the whole configured inline timeout, longer than Prometheus' scrape timeout, so Prometheus
 * gave up and the target went down. The handler now honours `X-Prometheus-Scrape-Timeout-Seconds`
 * and answers before it with the last known values.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { INLINE_TIMEOUTS_METRIC, Registry } from '../../src/index.js';
import { inlineTimeoutFor } from '../../src/core/collect.js';
import { HttpServer } from '../../src/http/index.js';
import type { CollectingSource } from '../../src/prometheus/index.js';
import { createMetricsHandler, scrapeTimeoutMs } from '../../src/prometheus/index.js';
import { scrape } from '../helpers/scrape.js';

const HEADER = 'X-Prometheus-Scrape-Timeout-Seconds';

describe('regression: the scrape timeout header bounds the wait for collectors', () => {
  const servers: HttpServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  async function serve(source: CollectingSource): Promise<string> {
    const server = new HttpServer({ port: 0 }).route('/metrics', createMetricsHandler(source));
    servers.push(server);
    await server.listen();
    return `${server.url()}/metrics`;
  }

  it('passes min(configured, header − margin) to collect()', async () => {
    const registry = new Registry({ collectTimeout: 5000 });
    const asked: Array<number | undefined> = [];
    const source: CollectingSource = {
      families: () => registry.families(),
      createdAt: (s) => registry.createdAt(s),
      collectTimeout: registry.collectTimeout,
      collect: async (options) => {
        asked.push(options?.inlineTimeout);
      },
    };
    const url = await serve(source);
    await scrape(url, { [HEADER]: '10' });
    await scrape(url, { [HEADER]: '1' });
    await scrape(url, { [HEADER]: '0.2' });
    await scrape(url, { [HEADER]: '3.5' });
    await scrape(url);
    await scrape(url, { [HEADER]: 'soon' });
    assert.deepEqual(asked, [5000, 750, 100, 3150, undefined, undefined]);
  });

  // Before the fix this scrape waited the configured 60 s and the test timed out.
  it('answers a scrape with a 1 s timeout in time, with the last data, while a collector hangs', { timeout: 30_000 }, async () => {
    const registry = new Registry({ collectTimeout: 60_000 });
    let release: (() => void) | undefined;
    let runs = 0;
    registry.addCollector('engine', async () => {
      if (++runs === 1) {
        registry.gauge('containers').set(3);
        return;
      }
      await new Promise<void>((r) => (release = r));
      registry.gauge('containers').set(4);
    });
    const url = await serve(registry);
    assert.match((await scrape(url, { [HEADER]: '1' })).body.toString(), /^containers 3$/m);
    const r = await scrape(url, { [HEADER]: '1' });
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /^containers 3$/m, 'the last known value');
    assert.match(r.body.toString(), new RegExp(`^${INLINE_TIMEOUTS_METRIC} 1$`, 'm'));
    assert.notEqual(release, undefined, 'the collector was still running');
    release?.();
  });

  it('reads the header as Prometheus writes it, and ignores anything else', () => {
    assert.equal(scrapeTimeoutMs('10'), 10_000);
    assert.equal(scrapeTimeoutMs('0.5'), 500);
    assert.equal(scrapeTimeoutMs(' 2.25 '), 2250);
    assert.equal(scrapeTimeoutMs('.5'), 500);
    for (const bad of [undefined, '', '0', '0.0', '-1', '1e3', 'NaN', 'Infinity', '10s', '0x10', '1,2', '9'.repeat(400)]) {
      assert.equal(scrapeTimeoutMs(bad), undefined, String(bad));
    }
    assert.equal(scrapeTimeoutMs(['1', '2']), undefined);
  });

  it('keeps 10% (at least 250 ms) back, waits at least 100 ms, never more than configured', () => {
    assert.equal(inlineTimeoutFor(10_000), 10_000);
    assert.equal(inlineTimeoutFor(10_000, 10_000), 9000);
    assert.equal(inlineTimeoutFor(10_000, 30_000), 10_000);
    assert.equal(inlineTimeoutFor(10_000, 1000), 750);
    assert.equal(inlineTimeoutFor(10_000, 300), 100);
    assert.equal(inlineTimeoutFor(50, 300), 50);
    assert.equal(inlineTimeoutFor(10_000, 0), 10_000);
  });

  it('a bad header never breaks the scrape', async () => {
    const registry = new Registry();
    registry.counter('ok_total').increment();
    const url = await serve(registry);
    for (const bad of ['-5', 'abc', '1e999', '']) {
      const r = await scrape(url, { [HEADER]: bad });
      assert.equal(r.status, 200, bad);
      assert.match(r.body.toString(), /^ok_total 1$/m);
    }
  });
});
