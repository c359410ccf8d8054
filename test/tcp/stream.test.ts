import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { FanoutRecorder, Registry, Unit, clearGlobalRecorder, counter, getGlobalRecorder, setGlobalRecorder } from '../../src/index.js';
import { TcpBuilder } from '../../src/tcp/index.js';
import type { TcpRecorder } from '../../src/tcp/index.js';
import { liveHeapBytes } from '../helpers/gc.js';

const PROTO = fileURLToPath(new URL('../../../proto/event.proto', import.meta.url));
const root = await protobuf.load(PROTO);
const Event = root.lookupType('event.proto.Event');

interface Decoded {
  metadata?: { name: string; metricType?: number; unitValue?: string; descriptionValue?: string };
  metric?: {
    name: string;
    timestamp?: { seconds: number | { toNumber(): number }; nanos?: number };
    labels?: Record<string, string>;
    incrementCounter?: number | { toNumber(): number };
    setCounter?: number | { toNumber(): number };
    incrementGauge?: number;
    decrementGauge?: number;
    setGauge?: number;
    recordHistogram?: number;
  };
}

/** A client that decodes the stream with protobufjs, from the project's .proto. */
class ProtoClient {
  readonly events: Decoded[] = [];
  readonly raw: Buffer[] = [];
  private pending = Buffer.alloc(0);
  readonly socket: Socket;
  private waiters: Array<() => void> = [];

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.pending = Buffer.concat([this.pending, d]);
      for (;;) {
        const r = protobuf.Reader.create(this.pending);
        let len: number;
        try {
          len = r.uint32();
        } catch {
          break;
        }
        if (this.pending.length < r.pos + len) break;
        const bytes = this.pending.subarray(r.pos, r.pos + len);
        this.raw.push(Buffer.from(this.pending.subarray(0, r.pos + len)));
        this.events.push(Event.toObject(Event.decode(bytes), { longs: Number, oneofs: false }) as Decoded);
        this.pending = this.pending.subarray(r.pos + len);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  connected(): Promise<void> {
    return new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }

  async until(pred: (events: Decoded[]) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.events)) {
      if (Date.now() > deadline) throw new Error(`timed out with ${this.events.length} events`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  get leftover(): number {
    return this.pending.length;
  }
}

async function waitClients(rec: TcpRecorder, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (rec.clientCount !== n) {
    if (Date.now() > deadline) throw new Error(`clients: ${rec.clientCount}, wanted ${n}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TCP stream exporter', () => {
  const recorders: TcpRecorder[] = [];
  after(async () => {
    for (const r of recorders) await r.close();
  });
  async function build(size: number | null = 1024, self?: Registry): Promise<TcpRecorder> {
    const b = new TcpBuilder().listenAddress('127.0.0.1:0').bufferSize(size);
    if (self) b.selfMetrics(self);
    const r = await b.build();
    recorders.push(r);
    return r;
  }

  it('replays metadata first, then streams all six operations with labels and timestamps', async () => {
    const rec = await build();
    rec.describeCounter('requests_total', Unit.Count, 'Requests served');
    rec.describeGauge('queue_depth', Unit.Count);
    rec.describeHistogram('latency_seconds', Unit.Seconds, 'Latency');
    rec.describeCounter('requests_total', Unit.Count, 'Requests served (v2)'); // latest wins
    const c = rec.registerCounter('requests_total', { method: 'GET', path: '/ünï "x"' });
    c.increment(5); // no client yet: nothing is queued
    assert.equal(rec.stats().events, 0);
    const client = new ProtoClient(rec.address().port);
    await client.connected();
    await waitClients(rec, 1);
    const before = Date.now();
    c.increment(3);
    c.absolute(42);
    const g = rec.registerGauge('queue_depth');
    g.increment(1.5);
    g.decrement(0.25);
    g.set(-7.125);
    const h = rec.registerHistogram('latency_seconds', [['route', '/a']]);
    h.record(0.333);
    h.recordMany(2, 2);
    await client.until((e) => e.length >= 3 + 8);
    const meta = client.events.slice(0, 3).map((e) => e.metadata);
    assert.deepEqual(meta.map((m) => m?.name), ['requests_total', 'queue_depth', 'latency_seconds']);
    assert.equal(meta[0]?.descriptionValue, 'Requests served (v2)');
    assert.equal(meta[0]?.unitValue, 'count');
    assert.equal(meta[0]?.metricType ?? 0, 0);
    assert.equal(meta[1]?.metricType, 1);
    assert.equal(meta[1]?.descriptionValue, undefined);
    assert.equal(meta[2]?.metricType, 2);
    assert.equal(meta[2]?.unitValue, 'seconds');
    const ms = client.events.slice(3).map((e) => e.metric);
    assert.deepEqual(ms.map((m) => m?.name), ['requests_total', 'requests_total', 'queue_depth', 'queue_depth', 'queue_depth', 'latency_seconds', 'latency_seconds', 'latency_seconds']);
    assert.deepEqual(ms[0]?.labels, { method: 'GET', path: '/ünï "x"' });
    assert.equal(ms[0]?.incrementCounter, 3);
    assert.equal(ms[1]?.setCounter, 42);
    assert.equal(ms[2]?.incrementGauge, 1.5);
    assert.equal(ms[3]?.decrementGauge, 0.25);
    assert.equal(ms[4]?.setGauge, -7.125);
    assert.equal(ms[5]?.recordHistogram, 0.333);
    assert.deepEqual(ms[5]?.labels, { route: '/a' });
    assert.equal(ms[7]?.recordHistogram, 2);
    assert.equal(ms[2]?.labels, undefined);
    for (const m of ms) {
      const t = m?.timestamp;
      const tms = Number(t?.seconds) * 1000 + (t?.nanos ?? 0) / 1e6;
      assert.ok(tms >= before - 5 && tms <= Date.now() + 5, `timestamp ${tms}`);
    }
    // byte-exact: protobufjs re-encoding what it decoded gives the same bytes
    for (const raw of client.raw) {
      const r = protobuf.Reader.create(raw);
      const len = r.uint32();
      const body = raw.subarray(r.pos, r.pos + len);
      const again = Event.encode(Event.decode(body)).finish();
      assert.deepEqual(Buffer.from(again), Buffer.from(body));
    }
    // a metadata change while connected is streamed too
    rec.describeGauge('queue_depth', Unit.Count, 'now described');
    await client.until((e) => e.some((x) => x.metadata?.descriptionValue === 'now described'));
    client.socket.destroy();
  });

  it('carries fractional counter increments so the total stays right', async () => {
    const rec = await build();
    const client = new ProtoClient(rec.address().port);
    await client.connected();
    await waitClients(rec, 1);
    const c = rec.registerCounter('frac_total');
    for (let i = 0; i < 10; i++) c.increment(0.25);
    await client.until((e) => e.length >= 2);
    await turn();
    const total = client.events.reduce((s, e) => s + Number(e.metric?.incrementCounter ?? 0), 0);
    assert.equal(total, 2);
    // bad values are dropped and counted, never thrown (one warning per metric)
    c.increment(-1);
    rec.registerHistogram('h').record(NaN);
    assert.equal(rec.stats().invalid, 2);
    assert.throws(() => rec.registerCounter('bad name'), /invalid metric name/);
    client.socket.destroy();
  });

  it('drops new events when the ingress is full, and counts them', async () => {
    const self = new Registry();
    const rec = await build(100, self);
    const client = new ProtoClient(rec.address().port);
    await client.connected();
    await waitClients(rec, 1);
    assert.equal(self.view(self.gauge('meterkit_tcp_clients')).value, 1);
    const g = rec.registerGauge('burst');
    for (let i = 0; i < 250; i++) g.set(i); // one synchronous burst
    await client.until((e) => e.length >= 100);
    await turn();
    assert.equal(client.events.length, 100);
    assert.equal(client.events[99]?.metric?.setGauge, 99, 'the first 100 kept, the rest dropped');
    assert.equal(rec.stats().droppedIngress, 150);
    assert.equal(self.view(self.counter('meterkit_tcp_dropped_events_total', { reason: 'ingress' })).value, 150);
    client.socket.destroy();
    await waitClients(rec, 0);
    assert.equal(self.view(self.gauge('meterkit_tcp_clients')).value, 0);
  });

  it('a stalled client loses its oldest events only, memory stays bounded, and it then reads a clean stream', async () => {
    const size = 1024;
    const rec = await build(size);
    const client = new ProtoClient(rec.address().port);
    await client.connected();
    await waitClients(rec, 1);
    client.socket.pause();
    const c = rec.registerCounter('flood_total', { shard: 'a-fairly-long-label-value-to-make-events-bigger' });
    const heapBefore = liveHeapBytes();
    const ops = 3_000_000;
    for (let done = 0; done < ops; ) {
      for (let i = 0; i < size && done < ops; i++, done++) c.increment(1);
      await turn();
    }
    const grown = liveHeapBytes() - heapBefore;
    assert.ok(grown < 16 * 1024 * 1024, `live heap grew ${grown} bytes`); // measured: about 200 kB
    const s = rec.stats();
    assert.equal(s.droppedIngress, 0);
    assert.ok(s.droppedClient > ops / 2, `dropped ${s.droppedClient}`);
    client.socket.resume();
    // every event is delivered or dropped, exactly: wait for that, no slack and no sleep
    await client.until((e) => e.length + rec.stats().droppedClient >= ops && client.leftover === 0, 20_000);
    assert.equal(client.leftover, 0, 'no partial event');
    assert.ok(client.events.every((e) => e.metric?.name === 'flood_total' && Number(e.metric.incrementCounter) === 1));
    // what arrived is everything not dropped
    assert.equal(client.events.length + rec.stats().droppedClient, ops);
    client.socket.destroy();
  });

  it('serves 100 concurrent clients the same stream and counts them exactly', async () => {
    const rec = await build();
    const clients = Array.from({ length: 100 }, () => new ProtoClient(rec.address().port));
    await Promise.all(clients.map((c) => c.connected()));
    await waitClients(rec, 100);
    const g = rec.registerGauge('shared');
    for (let i = 0; i < 500; i++) g.set(i);
    await Promise.all(clients.map((c) => c.until((e) => e.length >= 500)));
    for (const c of clients) assert.equal(c.events[499]?.metric?.setGauge, 499);
    for (const c of clients.slice(0, 50)) c.socket.destroy();
    await waitClients(rec, 50);
    for (const c of clients.slice(50)) c.socket.resetAndDestroy();
    await waitClients(rec, 0);
    assert.equal(rec.stats().clients, 0);
  });

  it('install() fans out with a recorder already installed', async () => {
    const reg = new Registry();
    setGlobalRecorder(reg);
    try {
      const rec = await new TcpBuilder().listenAddress('127.0.0.1:0').install();
      recorders.push(rec);
      assert.ok(getGlobalRecorder() instanceof FanoutRecorder);
      const client = new ProtoClient(rec.address().port);
      await client.connected();
      await waitClients(rec, 1);
      counter('both_total').increment(2);
      await client.until((e) => e.length >= 1);
      assert.equal(reg.view(reg.counter('both_total')).value, 2);
      assert.equal(client.events[0]?.metric?.incrementCounter, 2);
      client.socket.destroy();
    } finally {
      clearGlobalRecorder();
    }
    assert.throws(() => new TcpBuilder().bufferSize(0), /buffer size 0/);
    assert.throws(() => new TcpBuilder().listenAddress('nowhere'), /listen address "nowhere"/);
    const busy = recorders[0] as TcpRecorder;
    await assert.rejects(new TcpBuilder().listenAddress(`127.0.0.1:${busy.address().port}`).build(), /cannot listen/);
  });

  it('unbounded buffers keep everything', async () => {
    const rec = await build(null);
    const client = new ProtoClient(rec.address().port);
    await client.connected();
    await waitClients(rec, 1);
    const h = rec.registerHistogram('all');
    h.recordMany(1, 5000);
    await client.until((e) => e.length >= 5000);
    assert.equal(rec.stats().droppedIngress, 0);
    client.socket.destroy();
  });
});
