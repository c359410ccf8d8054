/**
 * #14 review round 2: the reload makes `http.collect_timeout` live (Registry.setCollectTimeout),
 * and round one's fix made the cluster aggregator read it per scrape. The dashboard's history is
 * given the registry's timeout once, at mount (src/cli/dashboard.ts: `sampleTimeout:
 * registry.collectTimeout`), so its reads keep the old bound after a reload: the same bug in the
 * one other place that reads that setting.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mountDashboard } from '../../src/cli/dashboard.js';
import { Registry } from '../../src/core/registry.js';
import { HttpServer } from '../../src/http/server.js';
import { until } from '../helpers/backends.js';


describe('r14b the dashboard follows a reloaded collect_timeout', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of closers) await c();
  });

  it('a sample waits for beforeSample at most the collect timeout set after mount', { timeout: 20_000 }, async () => {
    const registry = new Registry({ collectTimeout: 8_000 });
    const server = new HttpServer({ host: '127.0.0.1', port: 0 });
    const lines: string[] = [];
    const features = () => ({ process: false, docker: false, proxy: false, monitor: false, notify: false, stream: false });
    // a read that hangs (a stuck /proc read): each sample must give up after the collect timeout
    const d = mountDashboard(server, registry, features, { beforeSample: () => new Promise<void>(() => undefined), log: (l) => lines.push(l) });
    closers.push(() => d.close());
    closers.push(() => registry.close());
    // what a reload of http.collect_timeout: 100ms does (reload.ts ScrapeSettings)
    registry.setCollectTimeout(100);
    await until(() => lines.some((l) => /sample skipped/.test(l)), 'a sample skipped after 100 ms', 3_000);
    assert.match(lines.find((l) => /sample skipped/.test(l)) ?? '', /100 ms/);
  });
});
