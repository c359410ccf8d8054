/**
 * The live stream: recorder cost per operation with no client and with one client connected,
 * and events per second delivered to and decoded by one client (in a worker thread, decoding
 * with meterkit's decoder).
 */
import { Worker } from 'node:worker_threads';
import { TcpBuilder } from '../src/tcp/index.js';
import type { TcpRecorder } from '../src/tcp/index.js';
import { record, target } from './harness.js';

const S = 'tcp';
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function ask(w: Worker): Promise<{ events: number; checksum: number }> {
  return new Promise((resolve) => {
    const on = (m: { type: string; events: number; checksum: number }): void => {
      if (m.type === 'count') {
        w.off('message', on);
        resolve(m);
      }
    };
    w.on('message', on);
    w.postMessage('count');
  });
}

/** Times only the synchronous recording loops (bursts of `burst` ops), not the flushes. */
async function costPerOp(rec: TcpRecorder, ops: number, burst: number): Promise<number> {
  const c = rec.registerCounter('bench_ops_total', { path: '/api/items', method: 'GET' });
  let ns = 0;
  for (let done = 0; done < ops; done += burst) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < burst; i++) c.increment();
    ns += Number(process.hrtime.bigint() - t0);
    await turn();
  }
  return ns / ops;
}

export async function runTcp(): Promise<void> {
  const size = 8192;
  const rec = await new TcpBuilder().listenAddress('127.0.0.1:0').bufferSize(size).build();
  await costPerOp(rec, 1_000_000, size); // warm-up
  const none = record(S, 'recorder cost per op, no client', await costPerOp(rec, 20_000_000, size));
  target('stream op cost with no client', '≈ 0 (≤ 5 ns)', `${none.toFixed(2)} ns`, none <= 5);
  if (rec.stats().events !== 0) throw new Error('events queued with no client');

  const worker = new Worker(new URL('./tcp-client.js', import.meta.url), { workerData: { port: rec.address().port } });
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  while (rec.clientCount === 0) await turn();
  await costPerOp(rec, 500_000, size);
  const one = record(S, 'recorder cost per op, one client', await costPerOp(rec, 5_000_000, size));
  target('stream op cost with one client', '≤ 50 ns', `${one.toFixed(1)} ns`, one <= 50);

  // Throughput: record in bursts, never more than a few bursts ahead of what the client has
  // decoded (a producer that runs flat out only measures drops, and on 2 cores it takes the
  // decoder's CPU). The figure is what the client decoded per second.
  const before = (await ask(worker)).events;
  const g = rec.registerGauge('bench_throughput', { shard: '7' });
  const total = 5_000_000;
  const statsBefore = rec.stats();
  const dropsSince = (): number => rec.stats().droppedClient - statsBefore.droppedClient + rec.stats().droppedIngress - statsBefore.droppedIngress;
  const t0 = process.hrtime.bigint();
  // bursts of 2048 with at most 6144 events in flight: within the 8192-event client queue
  const burst = 2048;
  let produced = 0;
  while (produced < total) {
    for (let i = 0; i < burst; i++) g.set(i);
    produced += burst;
    await turn();
    while (produced - ((await ask(worker)).events - before) - dropsSince() > 3 * burst) await turn();
  }
  let got = 0;
  for (;;) {
    got = (await ask(worker)).events - before;
    if (got + dropsSince() >= produced) break;
    await new Promise((r) => setTimeout(r, 1));
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = got / secs;
  record(S, 'events delivered and decoded by one client', rate / 1e6, 'M events/s');
  record(S, 'events dropped in that run', dropsSince(), 'events');
  target('stream throughput to one client', '≥ 1 000 000 events/s', `${(rate / 1e6).toFixed(2)} M/s`, rate >= 1e6);
  worker.postMessage('stop');
  await worker.terminate();
  await rec.close();
}
