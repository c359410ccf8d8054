/**
 * Rendering 100 000 counter series (2 labels) plus 1 000 histograms to text, against
 * prom-client's registry.metrics() on the same data, and the largest event-loop stall while
 * the registry is scraped over HTTP.
 */
import { request } from 'node:http';
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { HttpServer } from '../src/http/index.js';
import { createMetricsHandler, render } from '../src/prometheus/index.js';
import { record, target } from './harness.js';

const S = 'render';

function build(): { mk: Registry; pc: client.Registry } {
  const mk = new Registry({ cardinalityLimit: 1_000_000 });
  const pc = new client.Registry();
  const pcc = new client.Counter({ name: 'http_requests_total', help: 'Requests', labelNames: ['route', 'code'], registers: [pc] });
  const pch = new client.Histogram({ name: 'rpc_duration_seconds', help: 'RPC latency', labelNames: ['method'], registers: [pc] });
  mk.describeCounter('http_requests_total', undefined, 'Requests');
  mk.describeHistogram('rpc_duration_seconds', undefined, 'RPC latency');
  for (let r = 0; r < 1000; r++) {
    for (let c = 0; c < 100; c++) {
      const labels = { route: `/api/route/${r}`, code: String(100 + c) };
      const v = (r * 100 + c) % 977;
      mk.counter('http_requests_total', labels).increment(v);
      pcc.inc(labels, v);
    }
  }
  for (let m = 0; m < 1000; m++) {
    const labels = { method: `Service/Method${m}` };
    for (let k = 0; k < 5; k++) {
      mk.histogram('rpc_duration_seconds', labels).record(k * 0.07);
      pch.observe(labels, k * 0.07);
    }
  }
  return { mk, pc };
}

async function median(fn: () => Promise<number> | number, runs: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await fn());
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

function scrape(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => resolve(n));
    })
      .on('error', reject)
      .end();
  });
}

export async function runRender(): Promise<void> {
  const { mk, pc } = build();
  const mkText = render(mk);
  const pcText = await pc.metrics();
  if (mkText.split('\n').length < 100_000 || pcText.split('\n').length < 100_000) throw new Error('render lost series');
  const mkMs = record(S, 'meterkit render() 100k counters + 1k histograms', await median(() => {
    const t0 = process.hrtime.bigint();
    const n = render(mk).length;
    if (n !== mkText.length) throw new Error('render changed');
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }, 7), 'ms');
  const pcMs = record(S, 'prom-client registry.metrics() same data', await median(async () => {
    const t0 = process.hrtime.bigint();
    const n = (await pc.metrics()).length;
    if (n < 1000) throw new Error('prom-client lost data');
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }, 5), 'ms');
  target('render 100k series vs prom-client metrics()', '≥ 5×', `${(pcMs / mkMs).toFixed(1)}× (${mkMs.toFixed(1)} ms vs ${pcMs.toFixed(1)} ms)`, pcMs / mkMs >= 5);

  // Event-loop stall while scraped over HTTP (chunked rendering), plain and gzip.
  const server = new HttpServer({ port: 0 }).route('/metrics', createMetricsHandler(mk));
  await server.listen();
  const url = `${server.url()}/metrics`;
  await scrape(url);
  let scrapeMs = 0;
  const stall = await worstStall(async () => {
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      const bytes = await scrape(url);
      scrapeMs += Number(process.hrtime.bigint() - t0) / 1e6;
      if (bytes < mkText.length) throw new Error('scrape short');
    }
  });
  record(S, 'meterkit HTTP scrape (chunked), mean wall time', scrapeMs / 5, 'ms');
  record(S, 'meterkit largest event-loop stall during 5 scrapes', stall, 'ms');
  target('largest event-loop stall while scraped', '≤ 50 ms', `${stall.toFixed(1)} ms`, stall <= 50);
  await server.close();

  // prom-client's stall on the same data, for comparison
  const pcStall = await worstStall(async () => {
    for (let i = 0; i < 3; i++) {
      await pc.metrics();
      await new Promise((r) => setImmediate(r));
    }
  });
  record(S, 'prom-client largest event-loop stall during metrics()', pcStall, 'ms');
  const mkSyncStall = await worstStall(async () => {
    for (let i = 0; i < 3; i++) {
      render(mk);
      await new Promise((r) => setImmediate(r));
    }
  });
  record(S, 'meterkit largest stall of a synchronous render()', mkSyncStall, 'ms');
}
