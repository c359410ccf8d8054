/**
 * The durability proof: a child process accepts 10 000 events on the SQLite queue and is
 * killed with SIGKILL in the middle of delivering them, while a batch is in flight. Restarted
 * on the same state directory, it delivers the rest: the receiver ends with all 10 000
 * distinct ids, and the duplicates are exactly the batch that was in flight (at most maxEvents).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { tempDir } from '../helpers/tools.js';

const CHILD = fileURLToPath(new URL('../helpers/notify-crash-child.js', import.meta.url));
const N = 10_000;
const KILL_AT = 3000;

function start(args: string[]): { child: ChildProcess; line: Promise<string>; exited: Promise<void> } {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code, sig) => reject(new Error(`child exited (${code ?? sig}) before reporting: ${out}`)));
  });
  line.catch(() => undefined);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, line, exited };
}

describe('notify: durable across kill -9', () => {
  const dir = tempDir('notify-crash');
  const children: ChildProcess[] = [];
  const server = createServer();
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    dir.remove();
  });

  it('delivers every accepted event at least once; duplicates only for the batch in flight', { timeout: 120_000 }, async () => {
    const seen = new Map<string, number>();
    let received = 0;
    let gate: (() => void) | undefined;
    const gateOpen = new Promise<void>((r) => (gate = r));
    let victim: ChildProcess | undefined;
    let inFlight = 0;
    let allSeen: (() => void) | undefined;
    const done = new Promise<void>((r) => (allSeen = r));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const ids = (JSON.parse(Buffer.concat(chunks).toString()) as { events: Array<{ id: string }> }).events.map((e) => e.id);
        for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
        received += ids.length;
        if (seen.size === N) allSeen?.();
        if (victim !== undefined && received >= KILL_AT) {
          // killed while this batch is in flight: received here, never acked there
          inFlight = ids.length;
          victim.kill('SIGKILL');
          victim = undefined;
          return;
        }
        void gateOpen.then(() => res.end());
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const first = start([dir.dir, url, 'accept', String(N)]);
    children.push(first.child);
    assert.equal(await first.line, `accepted ${N}`);
    assert.ok(received < KILL_AT, 'delivery is held back until every event is accepted');
    victim = first.child;
    gate?.();
    await first.exited;
    assert.equal(first.child.signalCode, 'SIGKILL');
    assert.ok(seen.size < N, 'killed mid-delivery');

    const second = start([dir.dir, url, 'resume']);
    children.push(second.child);
    assert.equal(await second.line, 'resumed');
    await done;
    second.child.kill('SIGTERM');
    await second.exited;
    assert.equal(second.child.exitCode, 0);

    assert.equal(seen.size, N, 'all ids delivered');
    const duplicates = received - N;
    assert.ok(inFlight > 0 && inFlight <= 100);
    assert.equal(duplicates, inFlight, `duplicates ${duplicates}: exactly the batch in flight (${inFlight})`);
    for (const [id, n] of seen) assert.ok(n <= 2, `${id} delivered ${n} times`);
  });
});
