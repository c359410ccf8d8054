/**
 * Notifications: the durable SQLite queue beside the in-memory one (distribution's behaviour),
 * in the same run.
 * - enqueue: `write()` resolved (committed) events per second, three ways — one event per
 *   call with many calls in flight (group commit), writes of 100 events, and one event per
 *   call awaited one after the other (the worst case: one commit, one fsync each);
 * - delivery: events per second from a full queue (filled first, untimed) to a local
 *   receiver, batches of 100 and unbatched (maxEvents 1);
 * - latency: p50/p99 from `write()` to arrival at the receiver at 1 000 events/s.
 * Three modes: memory, sqlite (the default, `synchronous: 'normal'`) and sqlite with
 * `synchronous: 'full'` (every append fsync'ed); the targets are for the default.
 * The receiver is a node:http server in this process (the latency clock is then one clock);
 * it costs both modes the same.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventInput, NotifyQueue, OpenBroadcasterOptions } from '../src/notify/index.js';
import { Broadcaster, MemoryQueue, SqliteQueue, openBroadcaster } from '../src/notify/index.js';
import { record, target } from './harness.js';

/** `sqlite`: the default (`synchronous: 'normal'`: survives kill -9); `sqlite-full`: every append fsync'ed (survives a power cut). */
type Mode = 'memory' | 'sqlite' | 'sqlite-full';
const MODES: readonly Mode[] = ['memory', 'sqlite', 'sqlite-full'];

interface Sink {
  url: string;
  count: number;
  arrived: Map<string, number>;
  until(n: number): Promise<void>;
  close(): Promise<void>;
}

async function sink(): Promise<Sink> {
  let want = Infinity;
  let wake: (() => void) | undefined;
  const s: Sink = {
    url: '',
    count: 0,
    arrived: new Map(),
    until: (n) =>
      new Promise<void>((r) => {
        if (s.count >= n) return r();
        want = n;
        wake = r;
      }),
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = performance.now();
      const events = (JSON.parse(Buffer.concat(chunks).toString()) as { events: Array<{ id: string }> }).events;
      for (const e of events) s.arrived.set(e.id, now);
      s.count += events.length;
      res.end();
      if (s.count >= want) wake?.();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  s.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return s;
}

const event = (i: number): EventInput => ({ id: `b${i}`, action: 'bench.event', target: { type: 'bench', id: String(i) }, data: { i } });

async function open(mode: Mode, dir: string, o: Partial<OpenBroadcasterOptions>): Promise<Broadcaster> {
  const queue = mode === 'memory' ? 'memory' : 'sqlite';
  return openBroadcaster({ queue, synchronous: mode === 'sqlite-full' ? 'full' : 'normal', stateDir: dir, source: { instance: 'bench', addr: '127.0.0.1:0' }, endpoints: [{ name: 'bench', url: 'http://127.0.0.1:9/' }], ...o });
}

function fresh(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-bench-notify-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Events per second of `write()` in one of three shapes; the median of 5 rounds. */
async function enqueue(mode: Mode, shape: 'concurrent' | 'batch100' | 'sequential'): Promise<number> {
  const n = shape === 'sequential' ? 2_000 : 20_000;
  const rates: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t = fresh();
    const b = await open(mode, t.dir, { deliver: false });
    const t0 = performance.now();
    if (shape === 'concurrent') await Promise.all(Array.from({ length: n }, (_, i) => b.write(event(i))));
    else if (shape === 'batch100') for (let i = 0; i < n; i += 100) await b.write(Array.from({ length: 100 }, (_, j) => event(i + j)));
    else for (let i = 0; i < n; i++) await b.write(event(i));
    rates.push(n / ((performance.now() - t0) / 1000));
    await b.close();
    t.remove();
  }
  rates.sort((a, c) => a - c);
  return rates[2] as number;
}

/** The queue of a mode, opened on its own (so one can be filled before a sender reads it). */
async function queueOf(mode: Mode, dir: string): Promise<NotifyQueue> {
  return mode === 'memory' ? new MemoryQueue() : SqliteQueue.open({ stateDir: dir, synchronous: mode === 'sqlite-full' ? 'full' : 'normal' });
}

/**
 * Events per second delivered from a full queue: a producer (deliver: false) fills the queue
 * first, untimed; then a sender on the same queue object is started and timed to the last event.
 */
async function delivery(mode: Mode, maxEvents: number): Promise<number> {
  const n = maxEvents === 1 ? 5_000 : 50_000;
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const s = await sink();
    const t = fresh();
    const endpoints = [{ name: 'bench', url: s.url, maxEvents }];
    const queue = await queueOf(mode, t.dir);
    const producer = new Broadcaster({ queue, endpoints, deliver: false });
    for (let i = 0; i < n; i += 1000) await producer.write(Array.from({ length: 1000 }, (_, j) => event(i + j)));
    const t0 = performance.now();
    const b = new Broadcaster({ queue, endpoints });
    await s.until(n);
    rates.push(n / ((performance.now() - t0) / 1000));
    await b.close();
    await s.close();
    t.remove();
  }
  rates.sort((a, c) => a - c);
  return rates[1] as number;
}

/** p50 and p99 ms from write() to arrival at 1 000 events/s for 3 s. */
async function latency(mode: Mode): Promise<[number, number]> {
  const s = await sink();
  const t = fresh();
  const b = await open(mode, t.dir, { endpoints: [{ name: 'bench', url: s.url }] });
  const n = 3000;
  const sent = new Map<string, number>();
  const start = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      // catch up to the schedule: event k is due at start + k ms
      const due = Math.min(n, Math.floor(performance.now() - start) + 1);
      for (; i < due; i++) {
        sent.set(`b${i}`, performance.now());
        void b.write(event(i));
      }
      if (i < n) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await s.until(n);
  const lat = [...sent].map(([id, at]) => (s.arrived.get(id) as number) - at).sort((a, c) => a - c);
  await b.close();
  await s.close();
  t.remove();
  return [lat[Math.floor(n * 0.5)] as number, lat[Math.floor(n * 0.99)] as number];
}

export async function runNotify(): Promise<void> {
  const r: Record<string, Record<Mode, number>> = {};
  const put = (k: string, mode: Mode, v: number): void => {
    (r[k] ??= { memory: 0, sqlite: 0, 'sqlite-full': 0 })[mode] = v;
  };
  for (const mode of MODES) {
    put('enqueue concurrent', mode, record('notify', `${mode}: enqueue, 1 event per write, 20 000 in flight`, await enqueue(mode, 'concurrent'), 'events/s'));
    put('enqueue batch', mode, record('notify', `${mode}: enqueue, writes of 100 events`, await enqueue(mode, 'batch100'), 'events/s'));
    put('enqueue sequential', mode, record('notify', `${mode}: enqueue, 1 event per write, awaited one by one`, await enqueue(mode, 'sequential'), 'events/s'));
    put('delivery 100', mode, record('notify', `${mode}: delivery, batches of 100`, await delivery(mode, 100), 'events/s'));
    put('delivery 1', mode, record('notify', `${mode}: delivery, unbatched`, await delivery(mode, 1), 'events/s'));
    const [p50, p99] = await latency(mode);
    record('notify', `${mode}: write→arrival p50 at 1 000 events/s`, p50, 'ms');
    put('p99', mode, record('notify', `${mode}: write→arrival p99 at 1 000 events/s`, p99, 'ms'));
  }
  const k = (v: number): string => `${Math.round(v).toLocaleString('en')} events/s`;
  const enq = r['enqueue concurrent'] as Record<Mode, number>;
  const enqB = r['enqueue batch'] as Record<Mode, number>;
  const del = r['delivery 100'] as Record<Mode, number>;
  const p99 = r.p99 as Record<Mode, number>;
  // targets hold for the default; the figures with every append fsync'ed are beside them
  const also = (v: Record<Mode, number>): string => `; synchronous full ${k(v['sqlite-full'])}`;
  target('notify durable enqueue (1 event per write, in flight)', '≥ 50 000 events/s', k(enq.sqlite) + also(enq), enq.sqlite >= 50_000);
  target('notify durable enqueue (writes of 100)', '≥ 50 000 events/s', k(enqB.sqlite) + also(enqB), enqB.sqlite >= 50_000);
  target('notify durable delivery, batches of 100', '≥ 20 000 events/s', k(del.sqlite) + also(del), del.sqlite >= 20_000);
  target('notify durable p99 write→arrival at 1 000 events/s', '≤ 20 ms', `${p99.sqlite.toFixed(1)} ms (memory ${p99.memory.toFixed(1)} ms, synchronous full ${p99['sqlite-full'].toFixed(1)} ms)`, p99.sqlite <= 20);
  for (const [name, v] of [['enqueue, in flight', enq], ['enqueue, writes of 100', enqB], ['delivery, batches of 100', del]] as const) {
    const ratio = v.memory / v.sqlite;
    const full = v.memory / v['sqlite-full'];
    target(`notify durability cost: ${name}`, '≤ 2× the in-memory cost', `${ratio.toFixed(2)}× (memory ${k(v.memory)}, sqlite ${k(v.sqlite)}; synchronous full ${full.toFixed(2)}×)`, ratio <= 2);
  }
}
