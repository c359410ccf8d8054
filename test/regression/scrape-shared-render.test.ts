/**
 * Issue #8 §3: 50 concurrent scrapes of 100k series took 19–22 s each (p50), lagged the event
 * loop up to 2.1 s and took RSS to 1.4 GB, because every scrape rendered (and gzipped) the whole
 * registry again. Concurrent scrapes of the same variant now share one render in flight.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Registry } from '../../src/index.js';
import { HttpServer } from '../../src/http/index.js';
import type { CollectingSource } from '../../src/prometheus/index.js';
import { createMetricsHandler, render } from '../../src/prometheus/index.js';
import { scrape } from '../helpers/scrape.js';
import { needs } from '../helpers/tools.js';
import { promtoolCheck } from '../helpers/validate.js';

/**
 * A registry seen through a wrapper that counts renders (each render lists the families once)
 * and holds every scrape in collect() until `expected` scrapes are there, so they are
 * concurrent by construction rather than by timing.
 */
function gated(registry: Registry): { source: CollectingSource; renders: () => number; expect: (n: number) => void } {
  let renders = 0;
  let expected = Infinity;
  let waiting: Array<() => void> = [];
  const source: CollectingSource = {
    families: () => {
      renders++;
      return registry.families();
    },
    createdAt: (s) => registry.createdAt(s),
    collect: () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length >= expected) {
          const go = waiting;
          waiting = [];
          for (const r of go) r();
        }
      }),
  };
  return { source, renders: () => renders, expect: (n) => (expected = n) };
}

describe('regression: concurrent scrapes share one render', () => {
  const registry = new Registry();
  const { source, renders, expect } = gated(registry);
  const server = new HttpServer({ port: 0 });
  let url = '';
  before(async () => {
    for (let i = 0; i < 5000; i++) registry.counter('requests_total', { route: `/r/${i}` }).increment(i);
    registry.histogram('latency_seconds', { route: '/a' }).record(0.25);
    server.route('/metrics', createMetricsHandler(source, { sliceSize: 100 }));
    server.route('/small-slices', createMetricsHandler(source, { sliceSize: 10 }));
    await server.listen();
    url = `${server.url()}/metrics`;
  });
  after(() => server.close());

  it('50 concurrent scrapes: 1 render, identical valid bodies', { ...needs('promtool') }, async () => {
    expect(50);
    const before = renders();
    const replies = await Promise.all(Array.from({ length: 50 }, () => scrape(url)));
    assert.equal(renders() - before, 1);
    const expected = render(registry);
    for (const r of replies) {
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), expected);
    }
    await promtoolCheck(replies[0]?.body.toString() ?? '');
  });

  it('gzip is done once per variant: 25 plain + 25 gzip scrapes, 2 renders', async () => {
    expect(50);
    const before = renders();
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => scrape(url, i % 2 === 0 ? { 'Accept-Encoding': 'gzip' } : {})));
    assert.equal(renders() - before, 2);
    const zipped = replies.filter((r) => r.headers['content-encoding'] === 'gzip');
    assert.equal(zipped.length, 25);
    const first = zipped[0]?.body as Buffer;
    for (const r of zipped) assert.ok(r.body.equals(first), 'the same gzip bytes for every scrape');
    assert.equal(gunzipSync(first).toString(), render(registry));
  });

  it('a scrape after the render ended gets a new render with new values', async () => {
    expect(1);
    await scrape(url);
    registry.counter('requests_total', { route: '/r/0' }).increment(1000);
    const before = renders();
    const r = await scrape(url);
    assert.equal(renders() - before, 1);
    assert.match(r.body.toString(), /^requests_total\{route="\/r\/0"\} 1000$/m);
  });

  it('a client that goes away mid-body does not break the others', async () => {
    expect(3);
    const expected = render(registry);
    const slices = `${url.replace(/metrics$/, 'small-slices')}`;
    const quitter = new Promise<number>((resolve, reject) => {
      const req = request(slices, (res) => {
        res.once('data', (d: Buffer) => {
          req.destroy();
          resolve(d.length);
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
      req.end();
    });
    const [got, a, b] = await Promise.all([quitter, scrape(slices), scrape(slices)]);
    assert.ok(got > 0 && got < expected.length, 'the quitter left before the end');
    assert.equal(a.body.toString(), expected);
    assert.equal(b.body.toString(), expected);
  });

  it('when every client goes away, the render stops and the next scrape starts afresh', async () => {
    expect(1);
    const slices = `${url.replace(/metrics$/, 'small-slices')}`;
    await new Promise<void>((resolve, reject) => {
      const req = request(slices, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
      req.end();
    });
    const r = await scrape(slices);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), render(registry));
  });
});
