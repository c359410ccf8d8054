/**
 * Real TCP backends on loopback for proxy tests: each counts the bytes it receives and answers
 * the way a test asks.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What a backend does with a connection. */
export type BackendMode =
  /** writes its id and closes */
  | 'id'
  /** reads until the client ends, then writes `reply` bytes and ends */
  | { replyBytes: number }
  /** keeps the connection open and silent until the client ends, then ends too */
  | 'hold'
  /** writes `answer` once, on the first bytes it reads, and keeps the connection open */
  | { answer: string };

/** A running backend. */
export interface TestBackend {
  readonly id: string;
  readonly port: number;
  /** `127.0.0.1:port` */
  readonly address: string;
  /** Bytes received over all connections (also of connections still open). */
  received: number;
  /** Connections accepted. */
  accepted: number;
  /** Open connections. */
  readonly sockets: Set<Socket>;
  /** Resolves when `received` reaches `n`. */
  receivedAtLeast(n: number): Promise<void>;
  /** Stops listening and destroys its connections. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

/** Starts a backend on 127.0.0.1 (port 0 unless given). */
export async function startBackend(id: string, mode: BackendMode, port = 0): Promise<TestBackend> {
  const waiters: Array<[number, () => void]> = [];
  const sockets = new Set<Socket>();
  const onConn = (s: Socket): void => {
    b.accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined); // resets are part of the tests
    s.on('data', (d: Buffer) => {
      b.received += d.length;
      for (const w of [...waiters]) {
        if (b.received >= w[0]) {
          waiters.splice(waiters.indexOf(w), 1);
          w[1]();
        }
      }
    });
    if (mode === 'id') s.end(id);
    else if (mode === 'hold') s.on('end', () => s.end());
    else if ('answer' in mode) {
      s.once('data', () => s.write(mode.answer));
      s.on('end', () => s.end());
    } else {
      s.on('end', () => {
        s.end(Buffer.alloc(mode.replyBytes, 0x5a));
      });
    }
  };
  let server: Server = createServer({ allowHalfOpen: true }, onConn);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  const b: TestBackend = {
    id,
    port: bound,
    address: `127.0.0.1:${bound}`,
    received: 0,
    accepted: 0,
    sockets,
    receivedAtLeast: (n) => (b.received >= n ? Promise.resolve() : new Promise((r) => waiters.push([n, r]))),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
    restart: async () => {
      server = createServer({ allowHalfOpen: true }, onConn);
      server.listen(bound, '127.0.0.1');
      await once(server, 'listening');
    },
  };
  return b;
}

/** Connects to `port`, optionally from a given local address; resolves once connected. */
export async function dial(port: number, localAddress?: string): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true });
  await once(s, 'connect');
  // the proxy resets a client whose backend went away: tests that care listen for 'close'
  s.on('error', () => undefined);
  return s;
}

/** Connects, reads everything until the server ends, and returns it as text. */
export async function readAll(port: number, localAddress?: string): Promise<string> {
  const s = await dial(port, localAddress);
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  await once(s, 'end');
  s.end();
  return Buffer.concat(chunks).toString();
}

/**
 * Waits until `cond` holds: for state that socket events change on both ends of a proxy,
 * where no single event says "done". Checked every 10 ms; fails naming `what` after `ms`.
 */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves when `s` has closed, whether or not it errored first (events' once() rejects on 'error'). */
export function closed(s: Socket): Promise<void> {
  return s.closed ? Promise.resolve() : new Promise((r) => s.once('close', () => r()));
}

/** Connects to a proxy that is expected to turn the client away; resolves with how: reset or closed. */
export function dialTurnedAway(port: number): Promise<'reset' | 'closed'> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let reset = false;
    s.on('error', (err: NodeJS.ErrnoException) => {
      reset = err.code === 'ECONNRESET';
    });
    s.on('close', () => resolve(reset ? 'reset' : 'closed'));
  });
}

/**
 * The value of one sample in Prometheus text: `name` with exactly `labels` (in any order);
 * undefined when absent.
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) got[k as string] = v as string;
    const want = Object.entries(labels);
    if (want.length === Object.keys(got).length && want.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** A listener that accepts nothing: connects to it neither succeed nor fail. */
export interface Stalled {
  readonly port: number;
  close(): void;
}

/**
 * A backend that never accepts: a listener in a stopped child process whose backlog is full,
 * so the kernel drops further SYNs (see test/regression/observer-connect-timeout.test.ts).
 */
export async function stalledListener(): Promise<Stalled> {
  // backlog 1: Linux queues backlog + 1 = 2 connections; the child stops itself once it said its port
  const code = `const s = require('node:net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => process.stdout.write(s.address().port + '\\n', () => process.kill(process.pid, 'SIGSTOP')));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  // no event says "stopped": a listener still running would accept the fillers
  await until(() => readFileSync(`/proc/${child.pid as number}/stat`, 'utf8').split(' ')[2] === 'T', 'the listener process to stop');
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) fillers.push(await dial(port));
  return {
    port,
    close: () => {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL'); // a stopped process takes no SIGTERM until continued
    },
  };
}
