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
import { Flight } from '../../src/prometheus/shared-render.js';
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
  const server = new HttpServer({ port: 0, maxConcurrent: 100 });
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

  it('a render that fails fails its responses (no complete-looking 200) and is reported', async () => {
    const heard: string[] = [];
    const broken: CollectingSource = {
      families: () => {
        throw new Error('registry exploded');
      },
      createdAt: () => 0,
    };
    const s = new HttpServer({ port: 0, onError: (err) => heard.push(String(err)) }).route('/metrics', createMetricsHandler(broken));
    await s.listen();
    try {
      await assert.rejects(scrape(`${s.url()}/metrics`), /aborted|socket hang up|ECONNRESET/);
      assert.deepEqual(heard, ['Error: registry exploded']);
    } finally {
      await s.close();
    }
  });
});

describe('a shared render (Flight)', () => {
  /** A render whose second chunk comes only when `next()` is called; `stopped` tells if it was ended early. */
  function controlled(): { chunks: AsyncGenerator<string>; next: () => void; stopped: () => boolean } {
    let release!: () => void;
    let stopped = false;
    async function* gen(): AsyncGenerator<string> {
      try {
        yield 'first\n';
        await new Promise<void>((r) => (release = r));
        yield 'second\n';
      } finally {
        stopped = true;
      }
    }
    return { chunks: gen(), next: () => release(), stopped: () => stopped };
  }

  it('stops rendering when its last reader leaves, and takes no new readers', async () => {
    const c = controlled();
    let closed = 0;
    const flight = new Flight(c.chunks, false, () => closed++);
    const a = flight.reader();
    const b = flight.reader();
    const first = await new Promise<Buffer>((resolve) => a.once('data', resolve));
    assert.equal(first.toString(), 'first\n');
    a.destroy();
    assert.equal(flight.open, true, 'b still reads');
    b.destroy();
    await new Promise((r) => setImmediate(r));
    assert.equal(flight.open, false);
    assert.equal(closed, 1);
    c.next();
    await new Promise((r) => setImmediate(r));
    assert.equal(c.stopped(), true, 'the generator was ended');
  });

  it('a latecomer replays from the first chunk, then follows', async () => {
    const c = controlled();
    const flight = new Flight(c.chunks, false, () => undefined);
    const early = flight.reader();
    const got: string[] = [];
    early.on('data', (d: Buffer) => got.push(d.toString()));
    await new Promise<void>((r) => early.once('data', () => r()));
    const late = flight.reader();
    const lateBody = new Promise<string>((resolve) => {
      let text = '';
      late.on('data', (d: Buffer) => (text += d.toString()));
      late.on('end', () => resolve(text));
    });
    c.next();
    assert.equal(await lateBody, 'first\nsecond\n');
    assert.deepEqual(got, ['first\n', 'second\n']);
  });
});
