/**
 * Rendering 100 000 counter series (2 labels) plus 1 000 histograms to text, against
 * prom-client's and @prometheus-io/client's registry.metrics() on the same data, and the HTTP
 * path end to end over a real socket (chunked, and gzip) against render().
 *
 * Method: every case gets the same warm-up and the same number of timed runs, taken in turns
 * (one run of each case per round), so a noisy moment of the machine falls on every case alike;
 * the figure is the mean wall time. The scraper runs on a worker
 * thread, as Prometheus runs in its own process. Like is compared with like: a synchronous
 * render() against the peers' metrics() (which does all its work before its promise
 * resolves); the sliced HTTP path, its event-loop stall and its cost over render() are claims
 * of their own.
 */
import { Worker } from 'node:worker_threads';
import pio from '@prometheus-io/client';
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { HttpServer } from '../src/http/index.js';
import { createMetricsHandler, render } from '../src/prometheus/index.js';
import { record, target } from './harness.js';

const S = 'render';
const WARMUP = 2;
const ROUNDS = 9;

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

/** A scrape by the worker: wall ms from request to last byte, and the bytes received. */
interface Scraped {
  ms: number;
  bytes: number;
  encoding?: string;
  error?: string;
}

/**
 * Runs every case once per round, in turns; returns the mean ms of each. No GC is forced
 * between runs: each library's garbage is collected wherever it falls, as in a process that is
 * scraped again and again (a forced full GC before each run hands render() fresh memory,
 * whose page faults cost this VM about as much as the render itself).
 */
async function rounds(cases: Record<string, () => Promise<number>>): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (let r = -WARMUP; r < ROUNDS; r++) {
    for (const [name, run] of Object.entries(cases)) {
      const ms = await run();
      if (r >= 0) sums[name] = (sums[name] ?? 0) + ms;
    }
  }
  const means: Record<string, number> = {};
  for (const name of Object.keys(cases)) means[name] = (sums[name] as number) / ROUNDS;
  return means;
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

export async function runRender(): Promise<void> {
  const mk = buildMeterkit();
  const pc = buildPeer(client);
  const io = buildPeer(pio);
  const size = render(mk).length;
  for (const peer of [pc, io]) {
    // the same series, so the same text give or take a byte (prom-client ends without a newline)
    if (Math.abs((await peer.metrics()).length - size) > size / 1000) throw new Error('the libraries render different data');
  }

  const server = new HttpServer({ port: 0 }).route('/metrics', createMetricsHandler(mk));
  await server.listen();
  const url = `${server.url()}/metrics`;
  const scraper = new Worker(new URL('./scrape-client.js', import.meta.url));
  const scrape = (gzip: boolean): Promise<number> =>
    new Promise((resolve, reject) => {
      scraper.once('message', (m: Scraped) => {
        if (m.error !== undefined) reject(new Error(m.error));
        else if (m.bytes < (gzip ? size / 100 : size) || (m.encoding === 'gzip') !== gzip) reject(new Error('scrape short or not as asked'));
        else resolve(m.ms);
      });
      scraper.postMessage({ url, gzip });
    });
  const timed = async (run: () => unknown): Promise<number> => {
    const t0 = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const mean = await rounds({
    mk: () => timed(() => render(mk)),
    pc: () => timed(() => pc.metrics()),
    io: () => timed(() => io.metrics()),
    plain: () => scrape(false),
    gzip: () => scrape(true),
  });

  // the event loop while scraped (the server's thread only: the scraper is on its own)
  const httpStall = await worstStall(async () => {
    for (let i = 0; i < 3; i++) {
      await scrape(false);
      await scrape(true);
    }
  });
  await scraper.terminate();
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

  const { mk: mkMs, pc: pcMs, io: ioMs, plain, gzip } = mean as Record<'mk' | 'pc' | 'io' | 'plain' | 'gzip', number>;
  // ratios first, then the figures they come from
  record(S, 'render() speed-up vs prom-client registry.metrics()', pcMs / mkMs, '×');
  record(S, 'render() speed-up vs @prometheus-io/client registry.metrics()', ioMs / mkMs, '×');
  record(S, 'HTTP scrape (chunked) / render()', plain / mkMs, '×');
  record(S, 'HTTP scrape (gzip) / render()', gzip / mkMs, '×');
  record(S, 'meterkit render() 100k counters + 1k histograms, mean', mkMs, 'ms');
  record(S, 'prom-client registry.metrics() same data, mean', pcMs, 'ms');
  record(S, '@prometheus-io/client registry.metrics() same data, mean', ioMs, 'ms');
  record(S, 'meterkit HTTP scrape (chunked), mean wall time', plain, 'ms');
  record(S, 'meterkit HTTP scrape (gzip), mean wall time', gzip, 'ms');
  record(S, 'meterkit largest event-loop stall during 6 HTTP scrapes', httpStall, 'ms');
  record(S, 'largest stall of a synchronous render: meterkit render()', mkStall, 'ms');
  record(S, 'largest stall of a synchronous render: prom-client metrics()', pcStall, 'ms');
  record(S, 'largest stall of a synchronous render: @prometheus-io/client metrics()', ioStall, 'ms');

  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  target('render 100k series vs prom-client metrics()', '≥ 12×', `${(pcMs / mkMs).toFixed(1)}× (${ms(mkMs)} vs ${ms(pcMs)})`, pcMs / mkMs >= 12);
  target('render 100k series vs @prometheus-io/client metrics()', '≥ 6×', `${(ioMs / mkMs).toFixed(1)}× (${ms(mkMs)} vs ${ms(ioMs)})`, ioMs / mkMs >= 6);
  target('HTTP scrape (chunked) vs render()', '≤ 1.5×', `${(plain / mkMs).toFixed(2)}× (${ms(plain)})`, plain / mkMs <= 1.5);
  target('HTTP scrape (gzip) vs render()', '≤ 1.5×', `${(gzip / mkMs).toFixed(2)}× (${ms(gzip)})`, gzip / mkMs <= 1.5);
  target('largest event-loop stall while scraped over HTTP', '≤ 50 ms', ms(httpStall), httpStall <= 50);
}
