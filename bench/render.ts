/**
 * Rendering 100 000 counter series (2 labels) plus 1 000 histograms to text, against
 * prom-client's and @prometheus-io/client's registry.metrics() on the same data (the same
 * warm-up and number of runs for each), then the HTTP path end to end over a real socket
 * (chunked, and gzip) and the largest event-loop stall while scraped.
 *
 * Like is compared with like: a synchronous render() against the peers' metrics() (which does
 * all its work before its promise resolves); the sliced HTTP path is its own claim.
 */
import { request } from 'node:http';
import pio from '@prometheus-io/client';
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { HttpServer } from '../src/http/index.js';
import { createMetricsHandler, render } from '../src/prometheus/index.js';
import { record, target } from './harness.js';

const S = 'render';
/** Runs before timing, and timed runs (the median is kept): the same for every library. */
const WARMUP = 2;
const RUNS = 7;
const SCRAPES = 7;

/** What the render bench uses of prom-client and @prometheus-io/client (the same API). */
interface PromLike {
  Registry: new () => { metrics(): Promise<string> };
  Counter: new (c: { name: string; help: string; labelNames: string[]; registers: never[] }) => { inc(labels: Record<string, string>, v: number): void };
  Histogram: new (c: { name: string; help: string; labelNames: string[]; registers: never[] }) => { observe(labels: Record<string, string>, v: number): void };
}

function buildPeer(lib: PromLike): { metrics(): Promise<string> } {
  const reg = new lib.Registry();
  const registers = [reg] as never[];
  const c = new lib.Counter({ name: 'http_requests_total', help: 'Requests', labelNames: ['route', 'code'], registers });
  const h = new lib.Histogram({ name: 'rpc_duration_seconds', help: 'RPC latency', labelNames: ['method'], registers });
  for (let r = 0; r < 1000; r++) for (let k = 0; k < 100; k++) c.inc({ route: `/api/route/${r}`, code: String(100 + k) }, (r * 100 + k) % 977);
  for (let m = 0; m < 1000; m++) for (let k = 0; k < 5; k++) h.observe({ method: `Service/Method${m}` }, k * 0.07);
  return reg;
}

function buildMeterkit(): Registry {
  const mk = new Registry({ cardinalityLimit: 1_000_000 });
  mk.describeCounter('http_requests_total', undefined, 'Requests');
  mk.describeHistogram('rpc_duration_seconds', undefined, 'RPC latency');
  for (let r = 0; r < 1000; r++) for (let k = 0; k < 100; k++) mk.counter('http_requests_total', { route: `/api/route/${r}`, code: String(100 + k) }).increment((r * 100 + k) % 977);
  for (let m = 0; m < 1000; m++) for (let k = 0; k < 5; k++) mk.histogram('rpc_duration_seconds', { method: `Service/Method${m}` }).record(k * 0.07);
  return mk;
}

/** Median ms of `RUNS` calls after `WARMUP` calls; each call returns the length of what it made. */
async function timeRender(make: () => Promise<number> | number): Promise<number> {
  for (let i = 0; i < WARMUP; i++) if ((await make()) < 1_000_000) throw new Error('render lost series');
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    await make();
    xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  xs.sort((a, b) => a - b);
  return xs[xs.length >> 1] as number;
}

/** Largest gap between 1 ms ticks of a timer while `work` runs: the worst event-loop stall. */
async function worstStall(work: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 5));
  last = performance.now();
  await work();
  await new Promise((r) => setTimeout(r, 5));
  clearInterval(tick);
  return worst;
}

/** One scrape over the socket; resolves with the body's size (gzip bodies are not inflated). */
function scrape(url: string, gzip: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} }, (res) => {
      if (gzip !== (res.headers['content-encoding'] === 'gzip')) reject(new Error('unexpected Content-Encoding'));
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Mean wall time of `SCRAPES` scrapes in a row after one warm-up, and the worst stall meanwhile. */
async function scrapes(url: string, gzip: boolean, minBytes: number): Promise<{ mean: number; stall: number }> {
  await scrape(url, gzip);
  let total = 0;
  const stall = await worstStall(async () => {
    for (let i = 0; i < SCRAPES; i++) {
      const t0 = process.hrtime.bigint();
      const bytes = await scrape(url, gzip);
      total += Number(process.hrtime.bigint() - t0) / 1e6;
      if (bytes < minBytes) throw new Error('scrape short');
    }
  });
  return { mean: total / SCRAPES, stall };
}

export async function runRender(): Promise<void> {
  const mk = buildMeterkit();
  const pc = buildPeer(client);
  const io = buildPeer(pio);
  const size = render(mk).length;
  for (const peer of [pc, io]) {
    // the same series, so the same text give or take a byte (prom-client ends without a newline)
    if (Math.abs((await peer.metrics()).length - size) > size / 1000) throw new Error('the libraries render different data');
  }

  const mkMs = await timeRender(() => render(mk).length);
  const pcMs = await timeRender(async () => (await pc.metrics()).length);
  const ioMs = await timeRender(async () => (await io.metrics()).length);

  // the HTTP path end to end, one scrape at a time (each renders afresh)
  const server = new HttpServer({ port: 0 }).route('/metrics', createMetricsHandler(mk));
  await server.listen();
  const url = `${server.url()}/metrics`;
  const plain = await scrapes(url, false, size);
  const gz = await scrapes(url, true, size / 100);
  await server.close();

  // like with like: the largest stall of each library's synchronous render
  const syncStall = (work: () => unknown): Promise<number> =>
    worstStall(async () => {
      for (let i = 0; i < 3; i++) {
        await work();
        await new Promise((r) => setImmediate(r));
      }
    });
  const mkStall = await syncStall(() => render(mk));
  const pcStall = await syncStall(() => pc.metrics());
  const ioStall = await syncStall(() => io.metrics());

  // ratios first, then the figures they come from
  record(S, 'render() speed-up vs prom-client registry.metrics()', pcMs / mkMs, '×');
  record(S, 'render() speed-up vs @prometheus-io/client registry.metrics()', ioMs / mkMs, '×');
  record(S, 'HTTP scrape (chunked) / render()', plain.mean / mkMs, '×');
  record(S, 'HTTP scrape (gzip) / render()', gz.mean / mkMs, '×');
  record(S, 'meterkit render() 100k counters + 1k histograms', mkMs, 'ms');
  record(S, 'prom-client registry.metrics() same data', pcMs, 'ms');
  record(S, '@prometheus-io/client registry.metrics() same data', ioMs, 'ms');
  record(S, 'meterkit HTTP scrape (chunked), mean wall time', plain.mean, 'ms');
  record(S, 'meterkit HTTP scrape (gzip), mean wall time', gz.mean, 'ms');
  record(S, 'meterkit largest event-loop stall during HTTP scrapes', Math.max(plain.stall, gz.stall), 'ms');
  record(S, 'largest stall of a synchronous render: meterkit render()', mkStall, 'ms');
  record(S, 'largest stall of a synchronous render: prom-client metrics()', pcStall, 'ms');
  record(S, 'largest stall of a synchronous render: @prometheus-io/client metrics()', ioStall, 'ms');

  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  target('render 100k series vs prom-client metrics()', '≥ 12×', `${(pcMs / mkMs).toFixed(1)}× (${ms(mkMs)} vs ${ms(pcMs)})`, pcMs / mkMs >= 12);
  target('render 100k series vs @prometheus-io/client metrics()', '≥ 6×', `${(ioMs / mkMs).toFixed(1)}× (${ms(mkMs)} vs ${ms(ioMs)})`, ioMs / mkMs >= 6);
  target('HTTP scrape (chunked) vs render()', '≤ 1.5×', `${(plain.mean / mkMs).toFixed(2)}× (${ms(plain.mean)})`, plain.mean / mkMs <= 1.5);
  target('HTTP scrape (gzip) vs render()', '≤ 1.5×', `${(gz.mean / mkMs).toFixed(2)}× (${ms(gz.mean)})`, gz.mean / mkMs <= 1.5);
  const stall = Math.max(plain.stall, gz.stall);
  target('largest event-loop stall while scraped over HTTP', '≤ 50 ms', ms(stall), stall <= 50);
}
