/**
 * A webhook receiver on loopback (a real node:http server on port 0) whose answers a test
 * scripts: a status (with headers), a delay, or a connection reset; it records every request.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/notify/index.js';

/** One answer: a status with headers, a slow answer, or a reset connection. */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | { reset: true };

/** A request as received. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** Event ids of a `{"events":[…]}` body or a CloudEvents batch. */
  ids: string[];
}

export interface Receiver {
  url: string;
  requests: Received[];
  /** Ids of every request answered 2xx, in arrival order. */
  delivered: string[];
  /** Sets how the next requests are answered, in order; after the script: `fallback`. */
  script(answers: Answer[], fallback?: Answer): void;
  /** Resolves once `n` requests have arrived. */
  requestsAtLeast(n: number): Promise<void>;
  /** Resolves once `n` event ids were answered 2xx. */
  deliveredAtLeast(n: number): Promise<void>;
  close(): Promise<void>;
}

// every body the sender writes is JSON: a parse error here fails the test loudly, as it should
function idsOf(body: string): string[] {
  const v = JSON.parse(body) as { events?: Array<{ id: string }> } | Array<{ id: string }>;
  return (Array.isArray(v) ? v : (v.events ?? [])).map((e) => e.id);
}

export async function startReceiver(): Promise<Receiver> {
  let queue: Answer[] = [];
  let fallback: Answer = { status: 200 };
  const requests: Received[] = [];
  const delivered: string[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  const until = (cond: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (cond()) return resolve();
      const w = (): void => {
        if (!cond()) return;
        waiters.delete(w);
        resolve();
      };
      waiters.add(w);
    });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const r: Received = { headers: req.headers, body, ids: idsOf(body) };
      const a = queue.shift() ?? fallback;
      if ('reset' in a) {
        requests.push(r);
        wake();
        req.socket.resetAndDestroy();
        return;
      }
      const answer = (): void => {
        if (a.status >= 200 && a.status < 300) delivered.push(...r.ids);
        requests.push(r);
        res.writeHead(a.status, a.headers).end();
        wake();
      };
      if (a.delayMs === undefined) answer();
      else setTimeout(answer, a.delayMs).unref();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    delivered,
    script(answers, fb) {
      queue = [...answers];
      if (fb !== undefined) fallback = fb;
    },
    requestsAtLeast: (n) => until(() => requests.length >= n),
    deliveredAtLeast: (n) => until(() => delivered.length >= n),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A clock that moves only when told; timers fire in time order on {@link ManualClock.advance}. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void; ms: number }>();
  private readonly waiters = new Set<() => void>();

  constructor(start = Date.UTC(2026, 10, 22, 4, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn, ms });
    for (const w of [...this.waiters]) w();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Delays of the timers now set, in ms, in the order they were set. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.ms);
  }

  /** Resolves once a timer is set (one already set counts). */
  timerSet(): Promise<number> {
    return new Promise((resolve) => {
      const check = (): void => {
        const first = [...this.timers.values()][0];
        if (first === undefined) return;
        this.waiters.delete(check);
        resolve(first.ms);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}
