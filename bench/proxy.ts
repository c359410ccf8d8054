/**
 * The proxy on loopback: the three Node forwarders in one process (one carries traffic at a
 * time), HAProxy in its own, the backend in another and the load from this one: bulk throughput over 1 and 16 connections, short connections per second
 * (64-byte request and response, 50 at once), for
 * (a) meterkit's proxy, (b) the same with accounting off, (c) a bare Node `pipe()` forwarder
 * and (d) HAProxy (`mode tcp`, one thread: one core, as each Node forwarder), when installed.
 * Then memory per idle connection through meterkit's proxy. Variants run interleaved, and the
 * targets judge the median of per-round ratios, so a slow moment of the machine hits both sides
 * of a ratio alike.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { record, target } from './harness.js';

const S = 'proxy';
const CHILD = new URL('./proxy-child.js', import.meta.url);

interface Forwarder {
  name: string;
  port: number;
  child: ChildProcess;
  rss(): Promise<number>;
}

/** Forks a bench process; resolves with it and the port it reports (rejects if it dies first). */
async function start(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(CHILD, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const died = once(child, 'exit').then(([code]) => {
    throw new Error(`bench process ${args.join(' ')} exited (${String(code)}) before reporting its port`);
  });
  const [m] = (await Promise.race([once(child, 'message'), died])) as [{ port: number }];
  return { child, port: m.port };
}

function rssOf(child: ChildProcess): Promise<number> {
  child.send('rss');
  return once(child, 'message').then(([m]) => (m as { rss: number }).rss);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // not installed: the comparison is skipped and the report says so
  }
}

async function haproxy(backendPort: number): Promise<Forwarder> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'meterkit-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global\n  maxconn 4000\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n` +
      `frontend f\n  bind 127.0.0.1:${port}\n  default_backend b\nbackend b\n  server s1 127.0.0.1:${backendPort}\n`,
  );
  const child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i++) {
    try {
      const s = connect({ host: '127.0.0.1', port });
      await once(s, 'connect');
      s.destroy();
      break;
    } catch (err) {
      if (i === 100 || child.exitCode !== null) throw new Error(`HAProxy did not start (see its messages above): ${String(err)}`);
      await new Promise((r) => setTimeout(r, 50)); // haproxy is still starting: no event tells when it listens
    }
  }
  return { name: 'HAProxy', port, child, rss: () => Promise.resolve(NaN) };
}

/** Sends `bytes` over each of `conns` connections; resolves with bytes per second (all connections). */
async function bulk(port: number, conns: number, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: conns }, async () => {
      const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      await once(s, 'connect');
      let reply = '';
      s.setEncoding('latin1');
      s.on('data', (d: string) => {
        reply += d;
      });
      for (let sent = 0; sent < bytes; sent += chunk.length) {
        if (!s.write(chunk)) await once(s, 'drain');
      }
      s.end();
      await once(s, 'end');
      s.destroy();
      const want = Math.ceil(bytes / chunk.length) * chunk.length;
      if (Number(reply) !== want) throw new Error(`backend received ${reply} bytes, expected ${want}`);
    }),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return (conns * Math.ceil(bytes / chunk.length) * chunk.length) / s;
}

/** `total` short connections, `parallel` at once, each a 64-byte request and response; resolves with connections per second. */
async function shortConnections(port: number, total: number, parallel: number): Promise<number> {
  const msg = Buffer.alloc(64, 0x71);
  let started = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
      let got = 0;
      s.on('connect', () => s.write(msg));
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= 64) s.end();
      });
      s.on('error', reject);
      s.on('close', () => (got >= 64 ? resolve() : reject(new Error('no reply'))));
    });
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (started < total) {
        started++;
        await one();
      }
    }),
  );
  return total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/**
 * CPU seconds a process has used (user + system), from /proc: the same source for Node and
 * HAProxy. Clock ticks are 10 ms, so it is summed over every round of a case (seconds of CPU).
 */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  // fields after the command name, which sits in parentheses and may contain spaces
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'latin1' }).trim()) || 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

export async function runProxy(): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    await measure(children);
  } finally {
    // every child, also when a case failed: they hold the terminal's pipes open
    for (const c of children) c.kill();
  }
}

async function measure(children: ChildProcess[]): Promise<void> {
  const backend = await start(['backend']);
  children.push(backend.child);
  const fwd: Forwarder[] = [];
  const node = fork(CHILD, ['forwarders', String(backend.port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(node);
  const [m] = (await once(node, 'message')) as [{ ports: { meterkit: number; noacct: number; pipe: number } }];
  fwd.push(
    { name: 'meterkit', port: m.ports.meterkit, child: node, rss: () => rssOf(node) },
    { name: 'meterkit, accounting off', port: m.ports.noacct, child: node, rss: () => rssOf(node) },
    { name: 'bare pipe()', port: m.ports.pipe, child: node, rss: () => rssOf(node) },
  );
  const withHaproxy = has('haproxy');
  if (withHaproxy) {
    const h = await haproxy(backend.port);
    children.push(h.child);
    fwd.push(h);
  }
  else record(S, 'HAProxy not installed (apt-get install haproxy): no comparison', 0, '');

  // Rounds of about a second or more each, every round starting with a different forwarder.
  // Three busy processes (client, forwarder, backend) share two cores here, so one round's
  // figure moves ±15% with the machine's moments; and a forwarder in a process of its own ran
  // 10–15% faster or slower than the same code in another process, steadily through a run (one
  // run had accounting on ahead in every round, another behind): so the Node forwarders share
  // one process (only one carries traffic at a time). So the ratios are taken round by round, between forwarders
  // measured back to back, and their median is what the targets judge; and what accounting
  // costs is also read where it would show first, in the proxy's CPU per byte (summed from
  // /proc over all rounds), which the scheduling noise moves far less than throughput.
  const rounds = 9;
  const cases = [
    ['bulk, 1 connection', (p: number) => bulk(p, 1, 768 * 1024 * 1024), 'MB/s'],
    ['bulk, 16 connections', (p: number) => bulk(p, 16, 48 * 1024 * 1024), 'MB/s'],
    ['short connections (64 B each way, 50 at once)', (p: number) => shortConnections(p, 4000, 50), 'conn/s'],
  ] as const;
  const figures = new Map<string, number>();
  const perRound = new Map<string, number[]>();
  const cpuPerUnit = new Map<string, number>();
  for (const [label, run, unit] of cases) {
    for (const f of fwd) await run(f.port); // warm-up
    const samples = new Map<string, number[]>(fwd.map((f) => [f.name, []]));
    const cpu = new Map<string, number>(fwd.map((f) => [f.name, 0]));
    const work = new Map<string, number>(fwd.map((f) => [f.name, 0]));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < fwd.length; i++) {
        const f = fwd[(i + r) % fwd.length] as Forwarder;
        const c0 = cpuSeconds(f.child.pid);
        const t0 = process.hrtime.bigint();
        const v = await run(f.port);
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        cpu.set(f.name, (cpu.get(f.name) ?? 0) + cpuSeconds(f.child.pid) - c0);
        work.set(f.name, (work.get(f.name) ?? 0) + v * secs);
        samples.get(f.name)?.push(v);
      }
    }
    for (const f of fwd) {
      const xs = samples.get(f.name) ?? [];
      const v = median(xs);
      figures.set(`${label}|${f.name}`, v);
      perRound.set(`${label}|${f.name}`, xs);
      const perUnit = (cpu.get(f.name) ?? NaN) / (work.get(f.name) ?? NaN);
      cpuPerUnit.set(`${label}|${f.name}`, perUnit);
      record(S, `${label}: ${f.name}`, unit === 'MB/s' ? v / 1e6 : v, unit);
      if (unit === 'MB/s') record(S, `${label}: ${f.name}, forwarder CPU per GB`, perUnit * 1e9, 'CPU s/GB');
    }
  }
  const get = (label: string, name: string): number => figures.get(`${label}|${name}`) ?? NaN;
  /** The median over rounds of a's figure over b's in the same round. */
  const pairedRatio = (label: string, a: string, b: string): number => {
    const xs = perRound.get(`${label}|${a}`) ?? [];
    const ys = perRound.get(`${label}|${b}`) ?? [];
    return median(xs.map((x, i) => x / (ys[i] ?? NaN)));
  };
  for (const [label] of cases.slice(0, 2)) {
    const what = label.slice(6);
    const ratio = pairedRatio(label, 'meterkit', 'bare pipe()');
    target(`proxy throughput, ${what}, vs bare pipe() (median of per-round ratios)`, '≥ 95%', `${(ratio * 100).toFixed(1)}%`, ratio >= 0.95);
    const tput = 1 - pairedRatio(label, 'meterkit', 'meterkit, accounting off');
    record(S, `${label}: accounting's throughput cost (median of per-round ratios)`, tput * 100, '%');
    // the spread of those per-round ratios: how far one round's figure moves with the machine
    const rs = (perRound.get(`${label}|meterkit`) ?? []).map((x, i) => x / ((perRound.get(`${label}|meterkit, accounting off`) ?? [])[i] ?? NaN)).sort((a, b) => a - b);
    record(S, `${label}: per-round ratio meterkit / accounting off, lowest`, (rs[0] ?? NaN) * 100, '%');
    record(S, `${label}: per-round ratio meterkit / accounting off, highest`, (rs[rs.length - 1] ?? NaN) * 100, '%');
    const cpuCost = (cpuPerUnit.get(`${label}|meterkit`) ?? NaN) / (cpuPerUnit.get(`${label}|meterkit, accounting off`) ?? NaN) - 1;
    target(`proxy accounting cost, ${what} (forwarder CPU per byte vs accounting off)`, '≤ 2%', `${(cpuCost * 100).toFixed(1)}%`, cpuCost <= 0.02);
  }
  const short = cases[2][0];
  const cps = get(short, 'meterkit') / get(short, 'bare pipe()');
  target('proxy connections/s vs bare pipe()', '≥ 85%', `${(cps * 100).toFixed(1)}%`, cps >= 0.85);

  // memory per idle connection: each takes two sockets in the proxy, and this machine allows a
  // process 20 000 descriptors (raising it is not permitted here), so 9 000 rather than 10 000
  const idle = 9_000;
  const { child, port } = await start(['meterkit', String(backend.port)]);
  children.push(child);
  const before = await rssOf(child);
  const sockets: Socket[] = [];
  for (let i = 0; i < idle; i += 500) {
    const batch = Array.from({ length: Math.min(500, idle - i) }, async () => {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => undefined); // the proxy child is killed at the end: resets are expected
      await once(s, 'connect');
      sockets.push(s);
    });
    await Promise.all(batch);
  }
  // the proxy connects to the backend after accepting: wait until it says all are through
  for (;;) {
    child.send('connected');
    const [m] = (await once(child, 'message')) as [{ connected: number }];
    if (m.connected >= idle) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const after = await rssOf(child);
  record(S, `memory per idle connection (${idle} open through meterkit's proxy, RSS growth)`, (after - before) / idle, 'bytes');
  for (const s of sockets) s.destroy();
}
