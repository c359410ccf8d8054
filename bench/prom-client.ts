/**
 * meterkit/prom-client (the drop-in shim) against prom-client 15 and @prometheus-io/client, the
 * same calls on each in one run: inc(labels) with label objects reused (best case) and built
 * per call (realistic), child.inc(), observe(labels), and registry.metrics() of 100k series.
 */
import pio from '@prometheus-io/client';
import client from 'prom-client';
import * as shim from '../src/prom-client/index.js';
import { record, target, timeOps } from './harness.js';

const S = 'prom-client';
const OPS = 1_000_000;

interface Lib {
  Registry: new () => { metrics(): Promise<string> };
  Counter: new (c: { name: string; help: string; labelNames: string[]; registers: never[] }) => {
    inc(labels: Record<string, string>, v?: number): void;
    labels(labels: Record<string, string>): { inc(v?: number): void };
  };
  Histogram: new (c: { name: string; help: string; labelNames: string[]; registers: never[] }) => {
    observe(labels: Record<string, string>, v: number): void;
  };
}
const LIBS: Array<[string, Lib]> = [
  ['meterkit/prom-client', shim as unknown as Lib],
  ['prom-client', client as unknown as Lib],
  ['@prometheus-io/client', pio as unknown as Lib],
];

const LABELS = Array.from({ length: 8 }, (_, i) => ({ route: `/api/v1/items/${i}`, status: String(200 + (i % 3)) }));
const ROUTES = LABELS.map((l) => l.route);
const STATUS = ['200', '201', '404', '500'];

function opsOf(lib: Lib): Record<string, number> {
  const reg = new lib.Registry();
  const registers = [reg] as never[];
  const c = new lib.Counter({ name: 'req_total', help: 'h', labelNames: ['route', 'status'], registers });
  const fresh = new lib.Counter({ name: 'fresh_total', help: 'h', labelNames: ['route', 'status'], registers });
  const h = new lib.Histogram({ name: 'lat_seconds', help: 'h', labelNames: ['route', 'status'], registers });
  const child = c.labels(LABELS[0] as Record<string, string>);
  return {
    'counter.inc(labels), 8 label objects reused': timeOps((n) => {
      for (let i = 0; i < n; i++) c.inc(LABELS[i & 7] as Record<string, string>);
      return n;
    }, OPS),
    'counter.inc({ … }), labels built per call': timeOps((n) => {
      for (let i = 0; i < n; i++) fresh.inc({ route: ROUTES[i & 7] as string, status: STATUS[i & 3] as string }, 2);
      return n;
    }, OPS),
    'child.inc()': timeOps((n) => {
      for (let i = 0; i < n; i++) child.inc();
      return n;
    }, OPS),
    'histogram.observe(labels, v)': timeOps((n) => {
      for (let i = 0; i < n; i++) h.observe(LABELS[i & 7] as Record<string, string>, (i & 1023) / 1000);
      return n;
    }, OPS),
  };
}

async function renderMs(lib: Lib): Promise<number> {
  const reg = new lib.Registry();
  const registers = [reg] as never[];
  const c = new lib.Counter({ name: 'http_requests_total', help: 'Requests', labelNames: ['route', 'code'], registers });
  const h = new lib.Histogram({ name: 'rpc_duration_seconds', help: 'RPC latency', labelNames: ['method'], registers });
  for (let r = 0; r < 1000; r++) for (let k = 0; k < 90; k++) c.inc({ route: `/api/route/${r}`, code: String(100 + k) }, (r * 100 + k) % 977);
  // 14 lines per histogram series: 10k series of text
  for (let m = 0; m < 715; m++) for (let k = 0; k < 5; k++) h.observe({ method: `Service/Method${m}` }, k * 0.07);
  let best = Infinity;
  let bytes = 0;
  for (let r = 0; r < 6; r++) {
    const t0 = process.hrtime.bigint();
    bytes += (await reg.metrics()).length;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r > 0) best = Math.min(best, ms);
  }
  if (bytes === 0) throw new Error('empty render');
  return best;
}

/** Runs the suite; records every figure and the two targets of issue #13. */
export async function runPromClient(): Promise<void> {
  const ops = LIBS.map(([name, lib]) => [name, opsOf(lib)] as const);
  for (const [name, o] of ops) for (const [op, ns] of Object.entries(o)) record(S, `${name} ${op}`, ns);
  const mine = ops[0]?.[1] as Record<string, number>;
  const theirs = ops[1]?.[1] as Record<string, number>;
  const ratio = (op: string): number => (theirs[op] as number) / (mine[op] as number);
  for (const op of Object.keys(mine)) record(S, `shim speed-up vs prom-client: ${op}`, ratio(op), '×');
  const inc = Math.min(ratio('counter.inc(labels), 8 label objects reused'), ratio('counter.inc({ … }), labels built per call'));
  target('shim inc(labels) vs prom-client (worse of reused / built per call)', '≥ 3×', `${inc.toFixed(1)}×`, inc >= 3);
  const obs = ratio('histogram.observe(labels, v)');
  target('shim observe(labels) vs prom-client', '≥ 3×', `${obs.toFixed(1)}×`, obs >= 3);
  const renders: Array<[string, number]> = [];
  for (const [name, lib] of LIBS) renders.push([name, await renderMs(lib)]);
  for (const [name, ms] of renders) record(S, `${name} registry.metrics(), 100k series`, ms, 'ms');
  const r = (renders[1]?.[1] as number) / (renders[0]?.[1] as number);
  record(S, 'shim render speed-up vs @prometheus-io/client', (renders[2]?.[1] as number) / (renders[0]?.[1] as number), '×');
  target('shim render 100k series vs prom-client', '≥ 5×', `${r.toFixed(1)}×`, r >= 5);
}
