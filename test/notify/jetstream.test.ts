import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Broadcaster, JetStreamQueue, consumerName, endpointOfToken, openBroadcaster, subjectToken } from '../../src/notify/index.js';
import type { JetStreamQueueOptions } from '../../src/notify/index.js';
import { startNatsServer } from '../helpers/nats.js';
import type { NatsServer } from '../helpers/nats.js';
import { code, describeQueueConformance, ev, ids } from '../helpers/queue-conformance.js';
import { startReceiver } from '../helpers/receiver.js';
import type { Receiver } from '../helpers/receiver.js';
import { needs, tempDir, waitFor } from '../helpers/tools.js';

const skip = needs('nats-server').skip;
let server: NatsServer | undefined;
const store = tempDir('notify-js');
let n = 0;

before(async () => {
  if (skip === undefined) server = await startNatsServer(['-js', '-sd', store.dir]);
});
after(async () => {
  await server?.stop();
  store.remove();
});

/** A queue on its own streams and subjects, so every test starts empty. */
function open(extra: Partial<JetStreamQueueOptions> = {}): Promise<JetStreamQueue> {
  n++;
  return JetStreamQueue.open({ servers: (server as NatsServer).url, stream: `T${n}`, subjectPrefix: `t${n}`, ...extra });
}

if (skip === undefined) describeQueueConformance('nats', (maxPending, maxDeadLetters) => open({ maxPending, maxDeadLetters }));

describe('notify queue: nats specifics', { skip }, () => {
  it('the server enforces the bound too: a second producer that does not know the count is refused', async () => {
    const a = await open({ maxPending: 2 });
    const b = await JetStreamQueue.open({ servers: (server as NatsServer).url, stream: `T${n}`, subjectPrefix: `t${n}`, maxPending: 2 });
    await a.append([{ endpoint: 'e', events: [ev('1'), ev('2')] }]);
    assert.equal(b.pending('e'), 0, 'b learnt nothing yet');
    await assert.rejects(b.append([{ endpoint: 'e', events: [ev('3')] }]), code('ERR_METERKIT_NOTIFY_QUEUE_FULL'));
    await a.close();
    await b.close();
  });

  it('endpoint names with dots and underscores are one subject token each: lists stay apart and counts come back under the name', async () => {
    const q = await open();
    const names = ['a', 'a.b', 'a..b', 'a.', 'a_db', 'a_.b'];
    await q.append(names.map((endpoint) => ({ endpoint, events: [ev(`id-${endpoint}`)] })));
    for (const name of names) {
      const got = await q.take(name, 10);
      assert.deepEqual(ids(got), [`id-${name}`], name);
      await q.deadLetter(name, got, { kind: 'status', status: 400, message: '400 Bad Request', attempts: 1 });
    }
    assert.deepEqual((await q.deadLetters({ endpoint: 'a.' })).map((d) => d.endpoint), ['a.']);
    await q.refresh();
    for (const name of names) assert.equal(q.deadLetterCount(name), 1, name);
    assert.deepEqual(new Set((await q.deadLetters()).map((d) => d.endpoint)), new Set(names));
    await q.close();
  });

  it('rejects bad options naming the value', async () => {
    await assert.rejects(JetStreamQueue.open({ servers: 'http://x' }), code('ERR_METERKIT_INVALID_ARGUMENT'));
    await assert.rejects(JetStreamQueue.open({ servers: (server as NatsServer).url, stream: 'a.b' }), code('ERR_METERKIT_INVALID_ARGUMENT'));
    await assert.rejects(JetStreamQueue.open({ servers: (server as NatsServer).url, subjectPrefix: 'a.>' }), code('ERR_METERKIT_INVALID_ARGUMENT'));
    await assert.rejects(openBroadcaster({ queue: 'nats', endpoints: [] }), code('ERR_METERKIT_INVALID_ARGUMENT'));
    assert.equal(consumerName('a.b_c'), 'notify_a_db__c');
    assert.equal(endpointOfToken(subjectToken('a_.d._d')), 'a_.d._d');
  });

  it('redelivers events leased by a worker that stopped renewing, once ackWait has passed', async () => {
    const a = await open({ ackWait: 1000 });
    const b = await JetStreamQueue.open({ servers: (server as NatsServer).url, stream: `T${n}`, subjectPrefix: `t${n}`, ackWait: 1000 });
    try {
      await a.append([{ endpoint: 'e', events: [ev('1'), ev('2'), ev('3')] }]);
      const leased = await a.take('e', 2);
      assert.deepEqual(ids(leased), ['1', '2']);
      assert.deepEqual(ids(await b.take('e', 10)), ['3'], 'a lease is held');
      // a is "killed": its connection ends without acking or handing back
      await (a as unknown as { nc: { close(): Promise<void> } }).nc.close();
      const ac = new AbortController();
      const again = [];
      // the redelivered events may come over more than one long poll
      while (again.length < 2) {
        await b.waitFor('e', 2 - again.length, ac.signal);
        again.push(...(await b.take('e', 10)));
      }
      assert.deepEqual(ids(again), ['1', '2']);
    } finally {
      // a failure must not leave b's connection holding the test file open
      await b.close();
      await a.close();
    }
  });
});

const WORKER = fileURLToPath(new URL('./fixtures/jetstream-worker.js', import.meta.url));

/** Starts a worker process on the queue of test `t`; resolves once it is consuming. */
async function startWorker(t: number, url: string, maxAttempts = 10): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER, (server as NatsServer).url, `T${t}`, `t${t}`, url, String(maxAttempts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  workers.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code, sig) => reject(new Error(`worker exited (${code ?? sig}) before it was ready: ${out}`)));
  });
  return child;
}

/** Signals a worker and waits for its exit. */
async function stop(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(sig);
  await exited;
}

const workers: ChildProcess[] = [];
const receivers: Receiver[] = [];
after(async () => {
  for (const c of workers) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const r of receivers) await r.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

describe('notify queue: nats across processes', { skip }, () => {
  it('two workers, one SIGKILLed mid-stream: every event reaches the receiver', { timeout: 120_000 }, async () => {
    const N = 2000;
    const r = await receiver();
    // answers slow enough that the kill lands while both workers hold events
    r.script([], { status: 200, delayMs: 5 });
    const q = await open();
    const t = n;
    const producer = new Broadcaster({ queue: q, endpoints: [{ name: 'w', url: r.url }], deliver: false });
    for (let i = 0; i < N; i += 100) await producer.write(Array.from({ length: 100 }, (_, j) => ({ id: `j${i + j}`, action: 'js.test', target: { type: 'n', id: String(i + j) } })));
    assert.equal(q.pending('w'), N);
    const victim = await startWorker(t, r.url);
    const survivor = await startWorker(t, r.url);
    await r.deliveredAtLeast(300);
    await stop(victim, 'SIGKILL');
    const before = new Set(r.delivered).size;
    assert.ok(before < N, `the kill came mid-stream (${before} of ${N} delivered)`);
    // each delivery wakes this loop: no polling
    while (new Set(r.delivered).size < N) await r.deliveredAtLeast(r.delivered.length + 1);
    const distinct = new Set(r.delivered);
    assert.equal(distinct.size, N);
    for (let i = 0; i < N; i++) assert.ok(distinct.has(`j${i}`), `j${i} delivered`);
    await waitFor(async () => (await q.refresh(), q.pending('w') === 0 ? true : undefined), 30_000, 'the stream to be empty');
    await stop(survivor, 'SIGTERM');
    await producer.close();
  });

  it('dead letters made by a worker process are listed and replayed by another process', { timeout: 60_000 }, async () => {
    const r = await receiver();
    r.script([], { status: 400 });
    const q = await open();
    const t = n;
    await q.append([{ endpoint: 'w', events: [ev('d1'), ev('d2'), ev('d3')] }]);
    const worker = await startWorker(t, r.url, 1);
    const listed = await waitFor(async () => {
      const d = await q.deadLetters({ endpoint: 'w' });
      return d.length === 3 ? d : undefined;
    }, 30_000, 'three dead letters');
    assert.deepEqual(listed.map((d) => d.event.id), ['d1', 'd2', 'd3']);
    assert.equal(listed[0]?.reason.status, 400);
    await q.refresh();
    assert.equal(q.deadLetterCount('w'), 3);
    r.script([], { status: 200 });
    assert.equal(await q.replay({ endpoint: 'w' }), 3);
    await r.deliveredAtLeast(3);
    assert.deepEqual(r.delivered, ['d1', 'd2', 'd3']);
    assert.deepEqual(await q.deadLetters(), []);
    await stop(worker, 'SIGTERM');
    await q.close();
  });

  it('a server restart keeps accepted events; the queue reconnects', { timeout: 60_000 }, async () => {
    const q = await open();
    await q.append([{ endpoint: 'e', events: [ev('r1'), ev('r2')] }]);
    await (server as NatsServer).restart();
    const got = await waitFor(async () => {
      const b = await q.take('e', 10);
      return b.length > 0 ? b : undefined;
    }, 30_000, 'events after the restart');
    assert.deepEqual(ids(got), ['r1', 'r2']);
    await q.ack('e', got);
    await q.close();
  });
});
