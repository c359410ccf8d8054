/**
 * The peer monitor (`meterkit/monitor`), in process, at the scale: 10 000 peers × 4
 * metrics (ping, cpu, mem, lag), each peer known before timing starts (a running cluster).
 *
 * - logMetric: heartbeats of known (peer, metric) windows, inputs made before the timer (as a
 *   transport hands over parsed objects), with and without the monitor's own metrics in a
 *   Registry; then logMetrics over JSON-parsed batches of 500 (parse included), the realistic
 *   path of a transport.
 * - check: one tick over the 40 000 windows, all up (the steady state), with the ttl and the phi
 *   detector and a Registry recorder; then the worst tick, where every window goes down at once
 *   and raises 40 000 alerts (reported, no target).
 * - no event-loop stall over 10 ms while the monitor ticks on its own timer and metrics keep
 *   arriving (perf_hooks.monitorEventLoopDelay, 1 ms resolution).
 * - memory per window of 25 metrics (JS heap after forced GCs, plus the typed arrays the
 *   columns live in), without a recorder (the monitor's own memory: the target) and with a
 *   Registry (its per-window series added).
 * HTTP ingest throughput (batches over `POST /monitor/v1/metrics`) belongs here too:
 * {@link runMonitorHttpIngest} is its place, for the HTTP transport to fill.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Registry } from '../src/core/registry.js';
import { HttpServer } from '../src/http/server.js';
import { MONITOR_HTTP_BASE, Monitor, createMonitorApi } from '../src/monitor/index.js';
import type { MetricInput, MonitorOptions } from '../src/monitor/index.js';
import { heapUsed, record, target, timeOps } from './harness.js';

const S = 'monitor';
const PEERS = 10_000;
const NAMES = ['ping', 'cpu', 'mem', 'lag'] as const;
const TTL = 30_000;

/** One heartbeat of every (peer, metric), made before any timer starts. */
function heartbeats(): MetricInput[] {
  const out: MetricInput[] = [];
  for (let p = 0; p < PEERS; p++) {
    const peer = `peer-${p.toString(36).padStart(4, '0')}-12D3KooW`;
    out.push({ name: 'ping', peer, value: '', ttl: TTL });
    out.push({ name: 'cpu', peer, value: (p % 97) / 97, ttl: TTL });
    out.push({ name: 'mem', peer, value: 1e8 + p * 4096, ttl: TTL });
    out.push({ name: 'lag', peer, value: 1.5 + (p % 13) / 10, ttl: TTL });
  }
  return out;
}

/** A monitor on a clock the bench moves, every window already made. */
function populated(options: MonitorOptions, inputs: readonly MetricInput[], clock: { t: number }): Monitor {
  const mon = new Monitor({ now: () => clock.t, ...options });
  for (const m of inputs) mon.logMetric(m);
  return mon;
}

function logThroughput(inputs: readonly MetricInput[]): void {
  for (const [label, recorder] of [['no recorder', undefined], ['Registry recorder', new Registry({ cardinalityLimit: 1_000_000 })]] as const) {
    const clock = { t: 1_700_000_000_000 };
    const mon = populated({ recorder }, inputs, clock);
    const n = inputs.length;
    let i = 0;
    const ns = timeOps((iters) => {
      let sum = 0;
      for (let k = 0; k < iters; k++) {
        clock.t += 0.001; // the clock moves between heartbeats, as it does
        sum += mon.logMetric(inputs[i] as MetricInput).expire;
        if (++i === n) i = 0;
      }
      return sum;
    }, 2_000_000);
    record(S, `logMetric, known window (${label})`, ns);
    const perSecond = 1e9 / ns;
    record(S, `logMetric throughput (${label})`, perSecond / 1e6, 'M/s');
    if (recorder !== undefined) target('monitor logMetric throughput (own metrics in a Registry)', '≥ 2M/s', `${(perSecond / 1e6).toFixed(2)}M/s`, perSecond >= 2e6);
  }

  // the transport's path: JSON text in, parsed, validated as a batch and logged
  const clock = { t: 1_700_000_000_000 };
  const mon = populated({ recorder: new Registry({ cardinalityLimit: 1_000_000 }) }, inputs, clock);
  const BATCH = 500;
  const bodies: string[] = [];
  for (let b = 0; b < inputs.length; b += BATCH) bodies.push(JSON.stringify(inputs.slice(b, b + BATCH)));
  let j = 0;
  const perBatch = timeOps((iters) => {
    let sum = 0;
    for (let k = 0; k < iters; k++) {
      clock.t += 1;
      sum += mon.logMetrics(JSON.parse(bodies[j] as string));
      if (++j === bodies.length) j = 0;
    }
    return sum;
  }, 400);
  record(S, `logMetrics(JSON.parse(batch of ${BATCH})), per metric`, perBatch / BATCH);
}

async function checkTicks(inputs: readonly MetricInput[]): Promise<void> {
  for (const detector of ['ttl', 'phi'] as const) {
    const clock = { t: 1_700_000_000_000 };
    const registry = new Registry({ cardinalityLimit: 1_000_000 });
    const mon = populated({ recorder: registry, detector: { kind: detector } }, inputs, clock);
    // a few rounds of heartbeats 5 s apart, so the phi detector has intervals to judge by
    for (let r = 0; r < 4; r++) {
      clock.t += 5000;
      for (const m of inputs) mon.logMetric(m);
    }
    let alerts = 0;
    const ns = timeOps((iters) => {
      for (let k = 0; k < iters; k++) {
        clock.t += 1; // all stay up: the steady state
        alerts += mon.check().length;
      }
      return alerts;
    }, 20, 9);
    if (alerts !== 0) throw new Error(`the steady-state check raised ${alerts} alerts`);
    const ms = ns / 1e6;
    record(S, `check tick, ${PEERS} peers × ${NAMES.length} metrics, all up (${detector})`, ms, 'ms');
    target(`monitor check tick, ${PEERS} × ${NAMES.length}, ${detector} detector`, '≤ 5 ms', `${ms.toFixed(2)} ms`, ms <= 5);

    // what a scrape adds: the collector computing every window's age (and phi) into the Registry
    const samples: number[] = [];
    for (let r = 0; r < 9; r++) {
      clock.t += 1;
      const t0 = process.hrtime.bigint();
      await registry.collect();
      samples.push(Number(process.hrtime.bigint() - t0));
    }
    const collectNs = samples.sort((a, b) => a - b)[samples.length >> 1] as number;
    record(S, `collect (own gauges of ${inputs.length} windows, at scrape; ${detector})`, collectNs / 1e6, 'ms');

    // the worst tick: every window goes down at once
    clock.t += 10 * TTL;
    const t0 = process.hrtime.bigint();
    const raised = mon.check().length;
    const worst = Number(process.hrtime.bigint() - t0) / 1e6;
    if (raised !== inputs.length) throw new Error(`the outage tick raised ${raised} alerts, not ${inputs.length}`);
    record(S, `check tick, every window goes down (${raised} alerts, ${detector})`, worst, 'ms');
  }
}

/**
 * Max event-loop delay (ms) over 1 s of heartbeats arriving in slices, as a transport delivers
 * them, with the monitor ticking or not; and the longest tick among them (the monitor's own
 * share of a stall: the timer calls `this.check()`, so wrapping the instance's method times it).
 */
async function maxDelay(inputs: readonly MetricInput[], ticking: boolean): Promise<{ delay: number; tick: number }> {
  const mon = new Monitor({ recorder: new Registry({ cardinalityLimit: 1_000_000 }), checkInterval: 20 });
  for (const m of inputs) mon.logMetric(m);
  let tick = 0;
  const check = mon.check.bind(mon);
  mon.check = () => {
    const t0 = performance.now();
    const raised = check();
    tick = Math.max(tick, performance.now() - t0);
    return raised;
  };
  // the wrapper gives this monitor a shape of its own, so check() is optimized again for it:
  // a few ticks first, as a running monitor has had (a fresh process pays the same once)
  for (let k = 0; k < 5; k++) mon.check();
  tick = 0;
  // start from a collected heap, so neither run inherits the garbage of the cases before it
  heapUsed();
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  if (ticking) mon.start();
  const end = Date.now() + 1000;
  let i = 0;
  while (Date.now() < end) {
    for (let k = 0; k < 2000; k++) {
      mon.logMetric(inputs[i] as MetricInput);
      if (++i === inputs.length) i = 0;
    }
    await sleep(1);
  }
  h.disable();
  await mon.close();
  return { delay: h.max / 1e6, tick };
}

async function noStall(inputs: readonly MetricInput[]): Promise<void> {
  // the same load without ticks first: what the machine and the GC add on their own
  const baseline = (await maxDelay(inputs, false)).delay;
  record(S, 'event-loop delay max, heartbeats only (baseline)', baseline, 'ms');
  const { delay, tick } = await maxDelay(inputs, true);
  record(S, 'event-loop delay max, heartbeats + a check every 20 ms', delay, 'ms');
  record(S, 'longest check tick among them (cold caches, heartbeats between)', tick, 'ms');
  target('monitor: no event-loop stall while ticking (10 000 × 4)', '≤ 10 ms', `${delay.toFixed(1)} ms (baseline without ticks ${baseline.toFixed(1)} ms, longest tick ${tick.toFixed(1)} ms)`, delay <= 10);
}

const CAP = 25;

/** Bytes per full window of 25, measured in a frame of its own so no earlier monitor is still reachable. */
function windowBytes(inputs: readonly MetricInput[], withRecorder: boolean): number {
  const clock = { t: 1_700_000_000_000 };
  // the windows' columns are typed arrays: their bytes are outside the JS heap, counted too
  const before = heapUsed() + process.memoryUsage().arrayBuffers;
  const mon = populated({ windowCap: CAP, recorder: withRecorder ? new Registry({ cardinalityLimit: 1_000_000 }) : undefined }, inputs, clock);
  // fill every window: distinct arrival times and values, as real heartbeats carry
  for (let r = 1; r < CAP; r++) {
    clock.t += 5000 + r;
    for (const m of inputs) mon.logMetric(typeof m.value === 'number' ? { ...m, value: m.value + r / 7 } : m);
  }
  mon.check();
  const after = heapUsed() + process.memoryUsage().arrayBuffers;
  if (mon.window('mem', inputs[2]?.peer as string).length !== CAP) throw new Error('windows are not full');
  return (after - before) / inputs.length;
}

function heapPerWindow(inputs: readonly MetricInput[]): void {
  const own = windowBytes(inputs, false);
  record(S, `memory per (peer, metric) window of ${CAP}`, own, 'bytes');
  target(`monitor memory per window of ${CAP}`, '≤ 4 KB', `${own.toFixed(0)} B`, own <= 4096);
  record(S, `memory per (peer, metric) window of ${CAP}, with its Registry series`, windowBytes(inputs, true), 'bytes');
}

/**
 * HTTP ingest throughput (batches through `POST /monitor/v1/metrics`, target ≥ 50 000
 * metrics/s): the HTTP transport's benchmark goes here and is called from {@link runMonitor}.
 */
/**
 * HTTP ingest: batches of 500 heartbeats POSTed to the agent's `/monitor/v1/metrics` over
 * keep-alive, 4 requests in flight, client and server in this process (so the figure also pays
 * for the client: a floor, not a best case).
 */
export async function runMonitorHttpIngest(inputs: readonly MetricInput[]): Promise<void> {
  const monitor = new Monitor({ recorder: new Registry(), forgetAfter: 3_600_000 });
  const server = new HttpServer().routeTree(MONITOR_HTTP_BASE, createMonitorApi(monitor));
  const { port } = await server.listen();
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  const BATCH = 500;
  const bodies: Buffer[] = [];
  for (let i = 0; i + BATCH <= inputs.length; i += BATCH) bodies.push(Buffer.from(JSON.stringify(inputs.slice(i, i + BATCH))));
  const post = (body: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/monitor/v1/metrics', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`ingest answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const run = async (batches: number): Promise<number> => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches) await post(bodies[next++ % bodies.length] as Buffer);
      }),
    );
    return (batches * BATCH) / ((performance.now() - t0) / 1000);
  };
  try {
    await run(40); // warm-up
    const rates: number[] = [];
    for (let r = 0; r < 5; r++) rates.push(await run(200));
    rates.sort((a, b) => a - b);
    const rate = rates[2] as number;
    record(S, 'HTTP ingest, batches of 500 (client in process)', rate, 'metrics/s');
    target('monitor HTTP ingest', '≥ 50 000 metrics/s', `${Math.round(rate).toLocaleString('en-US')} metrics/s`, rate >= 50_000);
  } finally {
    agent.destroy();
    await server.close();
    await monitor.close();
  }
}

export async function runMonitor(): Promise<void> {
  const inputs = heartbeats();
  logThroughput(inputs);
  await checkTicks(inputs);
  await noStall(inputs);
  heapPerWindow(inputs);
  await runMonitorHttpIngest(inputs);
}
