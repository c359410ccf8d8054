/**
 * Core recorder against prom-client 15 and @opentelemetry/sdk-metrics (with a reader attached,
 * so it aggregates for real), in one process run.
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import client from 'prom-client';
import { FanoutRecorder, Registry } from '../src/index.js';
import { TcpBuilder } from '../src/tcp/index.js';
import { heapUsed, record, target, timeOps } from './harness.js';

const S = 'core';
const N = 10_000_000;
const NL = 2_000_000;

class PullReader extends MetricReader {
  constructor() {
    // OpenTelemetry keeps 2000 series per metric by default; lift that so every series is stored.
    super({ cardinalitySelector: () => 1_000_000 });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

// Eight label sets in rotation: what a busy request path with a few routes looks like.
const LABELS = Array.from({ length: 8 }, (_, i) => ({ route: `/api/v1/items/${i}`, status: String(200 + (i % 3)) }));

function sumFamily(reg: Registry, name: string): number {
  let total = 0;
  reg.family(name)?.forEachSeries((s) => {
    total += (s as unknown as { value?: number; count?: number }).value ?? (s as unknown as { count: number }).count;
  });
  return total;
}

export async function runCore(): Promise<void> {
  const reg = new Registry();
  const prom = new client.Registry();
  const reader = new PullReader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('bench');

  // --- counter increment through a handle
  const h = reg.counter('handle_total', LABELS[0]);
  const mk = record(S, 'meterkit counter handle increment()', timeOps((n) => {
    for (let i = 0; i < n; i++) h.increment();
    return reg.view(h).value;
  }, N * 5));
  const pc = new client.Counter({ name: 'handle_total', help: 'h', labelNames: ['route', 'status'], registers: [prom] });
  const child = pc.labels(LABELS[0] as { route: string; status: string });
  const pcChild = record(S, 'prom-client child.inc()', timeOps((n) => {
    for (let i = 0; i < n; i++) child.inc();
    return n;
  }, N / 2));
  const g = reg.gauge('gauge_handle', LABELS[0]);
  record(S, 'meterkit gauge handle set()', timeOps((n) => {
    for (let i = 0; i < n; i++) g.set(i);
    return reg.view(g).value;
  }, N * 5));
  target('counter handle increment', '≤ 5 ns', `${mk.toFixed(2)} ns`, mk <= 5);
  target('handle vs prom-client child.inc()', '≥ 50×', `${(pcChild / mk).toFixed(0)}×`, pcChild / mk >= 50);

  // --- increment with labels given per call
  const mkLabels = record(S, 'meterkit counter(name, labels).increment()', timeOps((n) => {
    for (let i = 0; i < n; i++) reg.counter('per_call_total', LABELS[i & 7]).increment();
    return sumFamily(reg, 'per_call_total');
  }, NL * 5));
  const mkPairs = LABELS.map((l) => Object.entries(l) as Array<[string, string]>);
  record(S, 'meterkit counter(name, pairs).increment()', timeOps((n) => {
    for (let i = 0; i < n; i++) reg.counter('per_call_pairs_total', mkPairs[i & 7]).increment();
    return sumFamily(reg, 'per_call_pairs_total');
  }, NL * 5));
  const pcl = new client.Counter({ name: 'per_call_total', help: 'h', labelNames: ['route', 'status'], registers: [prom] });
  const pcLabels = record(S, 'prom-client counter.inc(labels)', timeOps((n) => {
    for (let i = 0; i < n; i++) pcl.inc(LABELS[i & 7] as { route: string });
    return n;
  }, NL / 2));
  const oc = meter.createCounter('per_call_total');
  const otLabels = record(S, 'otel counter.add(1, attrs)', timeOps((n) => {
    for (let i = 0; i < n; i++) oc.add(1, LABELS[i & 7]);
    return n;
  }, NL / 4));
  target('labels per call vs prom-client inc(labels)', '≥ 6×', `${(pcLabels / mkLabels).toFixed(1)}×`, pcLabels / mkLabels >= 6);

  // --- the same through the agent's default stack: Registry + live stream behind a fanout
  // (no stream client connected, as when nobody observes), and a realistic mix: two metric
  // names interleaved, a fresh label object per call with values built at run time
  {
    const agentReg = new Registry();
    const stream = await new TcpBuilder().listenAddress('127.0.0.1:0').selfMetrics(agentReg).build();
    const stack = new FanoutRecorder([agentReg, stream]);
    const viaStack = record(S, 'agent stack (registry + stream) counter(name, labels).increment()', timeOps((n) => {
      for (let i = 0; i < n; i++) stack.registerCounter('stack_total', LABELS[i & 7]).increment();
      return sumFamily(agentReg, 'stack_total');
    }, NL * 5));
    target('agent stack labels per call vs bare registry', '≤ 2×', `${(viaStack / mkLabels).toFixed(2)}×`, viaStack / mkLabels <= 2);
    const bare = new Registry();
    const realisticBare = record(S, 'realistic mix, bare registry', timeOps((n) => {
      for (let i = 0; i < n; i++) bare.registerCounter(i & 1 ? 'mix_a_total' : 'mix_b_total', { route: `/api/v1/items/${i & 7}`, status: String(200 + (i % 3)) }).increment();
      return sumFamily(bare, 'mix_a_total') + sumFamily(bare, 'mix_b_total');
    }, NL));
    const realisticStack = record(S, 'realistic mix, agent stack', timeOps((n) => {
      for (let i = 0; i < n; i++) stack.registerCounter(i & 1 ? 'mix_a_total' : 'mix_b_total', { route: `/api/v1/items/${i & 7}`, status: String(200 + (i % 3)) }).increment();
      return sumFamily(agentReg, 'mix_a_total') + sumFamily(agentReg, 'mix_b_total');
    }, NL));
    const realisticProm = new client.Counter({ name: 'mix_total', help: 'h', labelNames: ['route', 'status', 'name'], registers: [prom] });
    const realisticPc = record(S, 'realistic mix, prom-client inc(labels)', timeOps((n) => {
      for (let i = 0; i < n; i++) realisticProm.inc({ route: `/api/v1/items/${i & 7}`, status: String(200 + (i % 3)), name: i & 1 ? 'a' : 'b' });
      return n;
    }, NL / 2));
    target('realistic mix: agent stack vs bare registry', '≤ 2×', `${(realisticStack / realisticBare).toFixed(2)}×`, realisticStack / realisticBare <= 2);
    record(S, 'realistic mix: agent stack speed-up vs prom-client', realisticPc / realisticStack, '×');
    await stream.close();
  }
  record(S, 'speed-up vs otel counter.add(1, attrs)', otLabels / mkLabels, '×');

  // --- histogram
  const hh = reg.histogram('hist_seconds', LABELS[0]);
  const mkHist = record(S, 'meterkit histogram handle record()', timeOps((n) => {
    for (let i = 0; i < n; i++) hh.record((i & 1023) / 1000);
    return reg.view(hh).count;
  }, N));
  const mkHistLabels = record(S, 'meterkit histogram(name, labels).record()', timeOps((n) => {
    for (let i = 0; i < n; i++) reg.histogram('hist_call_seconds', LABELS[i & 7]).record((i & 1023) / 1000);
    return sumFamily(reg, 'hist_call_seconds');
  }, NL * 2));
  const ph = new client.Histogram({ name: 'hist_seconds', help: 'h', labelNames: ['route', 'status'], registers: [prom] });
  const pcHist = record(S, 'prom-client histogram.observe(labels, v)', timeOps((n) => {
    for (let i = 0; i < n; i++) ph.observe(LABELS[i & 7] as { route: string }, (i & 1023) / 1000);
    return n;
  }, NL / 4));
  const phChild = ph.labels(LABELS[0] as { route: string; status: string });
  record(S, 'prom-client histogram child.observe(v)', timeOps((n) => {
    for (let i = 0; i < n; i++) phChild.observe((i & 1023) / 1000);
    return n;
  }, NL / 2));
  const oh = meter.createHistogram('hist_seconds');
  record(S, 'otel histogram.record(v, attrs)', timeOps((n) => {
    for (let i = 0; i < n; i++) oh.record((i & 1023) / 1000, LABELS[i & 7]);
    return n;
  }, NL / 4));
  target('histogram handle vs prom-client observe(labels)', '≥ 20×', `${(pcHist / mkHist).toFixed(0)}×`, pcHist / mkHist >= 20);
  record(S, 'histogram labels-per-call speed-up vs prom-client', pcHist / mkHistLabels, '×');
  const sk = new Registry();
  sk.setHistogramOptions('sk_seconds', { quantiles: true });
  const skh = sk.histogram('sk_seconds');
  record(S, 'meterkit histogram handle record() with sketch', timeOps((n) => {
    for (let i = 0; i < n; i++) skh.record(((i & 1023) + 1) / 1000);
    return sk.view(skh).count;
  }, N / 2));

  // --- creating new series
  const routes = Array.from({ length: 1000 }, (_, i) => `/r/${i}`);
  const codes = Array.from({ length: 100 }, (_, i) => String(100 + i));
  const newSeries = (make: (route: string, code: string) => void): number => {
    const t0 = process.hrtime.bigint();
    for (const r of routes) for (const c of codes) make(r, c);
    return Number(process.hrtime.bigint() - t0) / (routes.length * codes.length);
  };
  {
    const r1 = new Registry();
    record(S, 'meterkit new series (100k)', newSeries((route, code) => r1.counter('new_total', { route, code }).increment()));
    const p1 = new client.Registry();
    const pn = new client.Counter({ name: 'new_total', help: 'h', labelNames: ['route', 'code'], registers: [p1] });
    record(S, 'prom-client new series (100k)', newSeries((route, code) => pn.inc({ route, code })));
    const on = new MeterProvider({ readers: [new PullReader()] }).getMeter('b').createCounter('new_total');
    record(S, 'otel new series (100k)', newSeries((route, code) => on.add(1, { route, code })));
  }

  // --- heap per counter series: label values exist before measuring, for every library alike
  const labelObjs: Array<{ route: string; code: string }> = [];
  for (const route of routes) for (const code of codes) labelObjs.push({ route, code });
  const perSeries = (make: () => unknown): number => {
    const before = heapUsed();
    const keep = make();
    const after = heapUsed();
    if (keep === undefined) throw new Error('nothing kept');
    return (after - before) / labelObjs.length;
  };
  const mkHeap = record(S, 'meterkit heap per counter series', perSeries(() => {
    const r = new Registry({ cardinalityLimit: 1_000_000 });
    for (const l of labelObjs) r.counter('heap_total', l).increment();
    return r;
  }), 'bytes');
  const pcHeap = record(S, 'prom-client heap per counter series', perSeries(() => {
    const p = new client.Registry();
    const c = new client.Counter({ name: 'heap_total', help: 'h', labelNames: ['route', 'code'], registers: [p] });
    for (const l of labelObjs) c.inc(l);
    return p;
  }), 'bytes');
  record(S, 'otel heap per counter series', perSeries(() => {
    const mp = new MeterProvider({ readers: [new PullReader()] });
    const c = mp.getMeter('h').createCounter('heap_total');
    for (const l of labelObjs) c.add(1, l);
    return mp;
  }), 'bytes');
  target('heap per counter series', '≤ 150 bytes', `${mkHeap.toFixed(0)} bytes (prom-client ${pcHeap.toFixed(0)})`, mkHeap <= 150);
  await reader.shutdown();
}
