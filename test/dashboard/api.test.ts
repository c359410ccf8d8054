import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../src/core/errors.js';
import { Registry } from '../../src/core/registry.js';
import { CLIENTS_METRIC, History, REJECTED_CLIENTS_METRIC, createAssetsHandler, createDashboardApi, dashboardAssets, dashboardGzipBytes } from '../../src/dashboard/index.js';
import type { DashboardApi } from '../../src/dashboard/index.js';
import { HttpServer } from '../../src/http/index.js';

/** The gzipped bytes the page may load (README states the figure). */
const BUDGET = 200 * 1024;

function open(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(url, resolve).on('error', reject).end());
}

/** Reads SSE messages from a response until `n` `data:` lines came. */
function messages(res: IncomingMessage, n: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const got: unknown[] = [];
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const msg = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (msg.startsWith('data: ')) got.push(JSON.parse(msg.slice(6)));
        if (got.length === n) resolve(got);
      }
    });
    res.once('error', reject);
  });
}

describe('dashboard History', () => {
  it('keeps at most `points` points per series, oldest first', async () => {
    const reg = new Registry();
    const g = reg.gauge('temp');
    let t = 0;
    const h = new History(reg, { points: 3, now: () => t });
    h.watch(['temp']);
    for (let i = 1; i <= 5; i++) {
      t = i * 1000;
      g.set(i);
      await h.tick();
    }
    assert.deepEqual(h.points('temp'), [[3000, 3], [4000, 4], [5000, 5]]);
  });

  it('refuses a watch past maxWatched (all or nothing), drops idle series, keeps pinned ones', async () => {
    const reg = new Registry();
    for (const n of ['a', 'b', 'c']) reg.counter(n).increment(1);
    let t = 0;
    const h = new History(reg, { maxWatched: 2, idleWatch: 10_000, now: () => t });
    h.pin(['a']);
    h.watch(['b']);
    assert.throws(() => h.watch(['c', 'b']), (e: Error & { code?: string }) => e.code === ErrorCode.DashboardLimit && /1 more series: 2 of at most 2/.test(e.message));
    assert.equal(h.watched, 2);
    t = 20_000;
    await h.tick();
    assert.equal(h.points('b'), undefined, 'b went idle');
    assert.deepEqual(h.points('a'), [[20_000, 1]], 'a is pinned');
    h.watch(['c']);
  });

  it('watches only ids that name a series now (all or nothing); a pinned id need not exist yet', () => {
    const reg = new Registry();
    reg.gauge('temp', { room: 'hall' }).set(1);
    const h = new History(reg, { maxWatched: 4 });
    const refused = (ids: string[], missing: string): void =>
      assert.throws(() => h.watch(ids), (e: Error & { code?: string }) => e.code === ErrorCode.DashboardUnknownSeries && e.message.includes(JSON.stringify(missing)));
    refused(['temp{room="hall"}', 'nope'], 'nope');
    refused(['temp{room="attic"}'], 'temp{room="attic"}');
    refused(['temp'], 'temp');
    assert.equal(h.watched, 0, 'nothing of a refused watch is kept');
    h.watch(['temp{room="hall"}']);
    h.pin(['nodejs_gc_duration_seconds{kind="weakcb"}']);
    assert.equal(h.watched, 2);
    h.watch(['nodejs_gc_duration_seconds{kind="weakcb"}']);
    assert.equal(h.watched, 2, 'an id watched already is not looked up again');
  });

  it('samples histograms as count, sum, quantiles and cumulative buckets; series ids carry labels', async () => {
    const reg = new Registry();
    reg.setHistogramOptions('lat', { buckets: [1, 2] });
    const hist = reg.histogram('lat', { route: '/x' });
    hist.record(0.5);
    hist.record(1.5);
    hist.record(1.5);
    hist.record(5);
    const h = new History(reg, { now: () => 1 });
    const id = 'lat{route="/x"}';
    h.watch([id]);
    await h.tick();
    const p = h.last(id) as number[];
    assert.deepEqual([p[0], p[1], p[2]], [1, 4, 8.5]);
    assert.deepEqual(p.slice(6), [1, 3, 4], 'cumulative buckets ≤1, ≤2, +Inf');
    assert.ok((p[3] as number) > 1 && (p[3] as number) <= 2, `p50 ${p[3]}`);
  });
});

describe('dashboard API', () => {
  const reg = new Registry();
  let server: HttpServer;
  let api: DashboardApi;
  let history: History;
  let base = '';

  before(async () => {
    reg.describeGauge('room_temperature_celsius', undefined, 'Temperature of a room');
    reg.gauge('room_temperature_celsius', { room: 'kitchen' }).set(21);
    reg.gauge('room_temperature_celsius', { room: 'hall' }).set(18);
    reg.counter('requests_total').increment(3);
    history = new History(reg, { maxWatched: 3 });
    api = createDashboardApi({
      registry: reg,
      history,
      maxClients: 1,
      metrics: reg,
      status: () => ({ features: { process: { on: false, flag: '--process', key: 'k' }, docker: { on: false, flag: '--docker', key: 'k' }, proxy: { on: false, flag: 'p', key: 'k' }, monitor: { on: true, flag: '--monitor', key: 'k', api: '/monitor/v1' }, notify: { on: false, flag: 'n', key: 'k' }, stream: { on: false, flag: 's', key: 'k' } } }),
    });
    server = new HttpServer({ port: 0 });
    server.routeTree('/api/v1', api.handler);
    server.route('/', createAssetsHandler());
    server.routeTree('/dashboard', createAssetsHandler());
    await server.listen();
    base = server.url();
  });
  after(async () => {
    api.close();
    await history.close();
    await server.close();
  });

  it('lists families, filtered by name or help', async () => {
    const all = (await (await fetch(`${base}/api/v1/families`)).json()) as Array<{ name: string }>;
    assert.ok(all.some((f) => f.name === 'requests_total'));
    const hot = (await (await fetch(`${base}/api/v1/families?q=TEMPERATURE`)).json()) as Array<{ name: string; series: number; help: string }>;
    assert.deepEqual(hot, [{ name: 'room_temperature_celsius', kind: 'gauge', unit: null, help: 'Temperature of a room', series: 2 }]);
    assert.equal((await fetch(`${base}/api/v1/families?limit=0`)).status, 400);
  });

  it('lists the series of a family with their ids; 404 for an unknown family', async () => {
    const body = (await (await fetch(`${base}/api/v1/series?family=room_temperature_celsius`)).json()) as { series: Array<{ id: string; labels: object; values: number[] }> };
    assert.deepEqual(body.series, [
      { id: 'room_temperature_celsius{room="kitchen"}', labels: { room: 'kitchen' }, values: [21] },
      { id: 'room_temperature_celsius{room="hall"}', labels: { room: 'hall' }, values: [18] },
    ]);
    assert.equal((await fetch(`${base}/api/v1/series?family=nope`)).status, 404);
    assert.equal((await fetch(`${base}/api/v1/series`)).status, 400);
    assert.equal((await fetch(`${base}/api/v1/nothing`)).status, 404);
    assert.equal((await fetch(`${base}/api/v1/status`, { method: 'POST' })).status, 405);
  });

  it('history watches series, answers their points, and says 429 past the watch limit', async () => {
    const r = await fetch(`${base}/api/v1/history?series=requests_total`);
    assert.equal(r.status, 200);
    await history.tick();
    const body = (await (await fetch(`${base}/api/v1/history?series=requests_total`)).json()) as { interval: number; series: Record<string, number[][]> };
    assert.equal(body.interval, 1000);
    assert.equal(body.series.requests_total?.[0]?.[1], 3);
    const over = await fetch(`${base}/api/v1/history?series=a&series=b&series=c`);
    assert.equal(over.status, 429);
    assert.match(((await over.json()) as { error: string }).error, /maxWatched/);
  });

  it('streams one update per sample to a client, refuses one client too many with 503 (counted)', async () => {
    const res = await open(`${base}/api/v1/events?series=requests_total`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const got = messages(res, 2);
    const second = await fetch(`${base}/api/v1/events?series=requests_total`);
    assert.equal(second.status, 503);
    assert.equal(second.headers.get('retry-after'), '5');
    await second.body?.cancel();
    reg.counter('requests_total').increment(1);
    await history.tick();
    reg.counter('requests_total').increment(1);
    await history.tick();
    const [a, b] = (await got) as Array<{ points: Record<string, number[]> }>;
    assert.equal(a?.points.requests_total?.[1], 4);
    assert.equal(b?.points.requests_total?.[1], 5);
    const f = reg.family(REJECTED_CLIENTS_METRIC);
    let rejected = 0;
    f?.forEachSeries((s) => (rejected = s.kind === 'counter' ? s.value : NaN));
    assert.equal(rejected, 1);
    res.destroy();
    await new Promise((r) => setTimeout(r, 0));
    await waitClients(0);
  });

  async function waitClients(n: number): Promise<void> {
    for (let i = 0; i < 100 && api.events.size !== n; i++) await new Promise((r) => setImmediate(r));
    assert.equal(api.events.size, n);
    let open = NaN;
    reg.family(CLIENTS_METRIC)?.forEachSeries((s) => (open = s.kind === 'gauge' ? s.value : NaN));
    assert.equal(open, n);
  }

  it('serves the page and its assets, gzipped when asked, with nothing from another origin', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const path = m[1] as string;
      assert.match(path, /^\/dashboard\//, `${path} is served by the agent`);
      const r = await fetch(`${base}${path}`);
      assert.equal(r.status, 200, path);
      await r.body?.cancel();
    }
    // (uPlot's licence comment names its repository: a URL in a comment loads nothing)
    const remote = /(?:src|href)\s*=\s*["']?(?:https?:)?\/\/|url\(\s*["']?(?:https?:)?\/\/|import\s*(?:[^;]*from\s*)?["'](?:https?:)?\/\/|fetch\(\s*["'](?:https?:)?\/\//i;
    for (const [name, a] of dashboardAssets()) assert.doesNotMatch(a.raw.toString(), remote, `${name} loads nothing from elsewhere`);
    const gz = await open(`${base}/dashboard/app.js`);
    assert.equal(gz.headers['content-encoding'], undefined);
    gz.resume();
    const req = await new Promise<IncomingMessage>((resolve, reject) => request(`${base}/dashboard/app.js`, { headers: { 'accept-encoding': 'gzip' } }, resolve).on('error', reject).end());
    assert.equal(req.headers['content-encoding'], 'gzip');
    req.resume();
    assert.equal((await fetch(`${base}/dashboard/nope.js`)).status, 404);
  });

  it(`loads at most ${BUDGET / 1024} KiB gzipped (README states the figure)`, () => {
    const n = dashboardGzipBytes();
    assert.ok(n <= BUDGET, `${n} bytes`);
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const stated = /the page loads ([\d.]+) KiB gzipped/.exec(readme);
    assert.ok(stated, 'README states "the page loads N KiB gzipped"');
    // the README's figure stays honest within 2 KiB
    assert.ok(Math.abs(Number(stated[1]) - n / 1024) <= 2, `README says ${stated[1]} KiB, the assets are ${(n / 1024).toFixed(1)} KiB`);
  });
});
