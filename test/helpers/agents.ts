/**
 * `meterkit agent` as a real process, for tests that need several: spawn, learn its URL from
 * its log, read its log, kill it.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PeerStatus } from '../../src/monitor/types.js';
import { waitFor } from './tools.js';

/** The command's entry point. */
export const BIN = fileURLToPath(new URL('../../../bin/meterkit.js', import.meta.url));

/** A running agent process. */
export interface AgentProcess {
  child: ChildProcess;
  /** Its HTTP base URL. */
  url: string;
  /** Everything it wrote to stderr so far (its log). */
  log: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit (at once when it has exited). */
  stop: () => Promise<void>;
}

const spawned = new Set<ChildProcess>();

/**
 * SIGKILLs every agent {@link spawnAgent} started that still runs, and waits for their exits:
 * for `after()`, so a test that failed half-way through starting agents leaves none behind.
 */
export async function killAgents(): Promise<void> {
  const running = [...spawned].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    running.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * Spawns `meterkit agent --listen 127.0.0.1:0 --no-stream --no-process …args` and resolves once
 * it logs where it serves (and, when given, a line matching `until`); rejects with its log when
 * it exits before. `env` is added to this process's environment.
 */
export function spawnAgent(args: readonly string[], until?: RegExp, env: NodeJS.ProcessEnv = {}): Promise<AgentProcess> {
  const child = spawn(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--no-stream', '--no-process', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  spawned.add(child);
  let err = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      spawned.delete(child);
      resolve(code);
    }),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving (https?:\/\/[\d.]+:\d+)\/metrics/.exec(err);
      if (m && (until === undefined || until.test(err))) resolve({ child, url: m[1] as string, log: () => err, exited, stop });
    });
    void exited.then((code) => reject(new Error(`meterkit agent ${args.join(' ')} exited ${code}: ${err}`)));
  });
}

/** An alert as the monitor agent logs it. */
export interface LoggedAlert {
  kind: 'down' | 'up';
  peer: string;
  metric: string;
  /** ms between the metric's last arrival and the alert. */
  after: number;
}

/** The alerts in an agent's log, in order. */
export function loggedAlerts(log: string): LoggedAlert[] {
  const out: LoggedAlert[] = [];
  for (const m of log.matchAll(/^meterkit monitor: (down|up) peer ("[^"]*") metric ("[^"]*") \(last seen (\d+) ms before/gm)) {
    out.push({ kind: m[1] as 'down' | 'up', peer: JSON.parse(m[2] as string) as string, metric: JSON.parse(m[3] as string) as string, after: Number(m[4]) });
  }
  return out;
}

/** The metrics every report of `meterkit agent --report-to` carries. */
export const REPORTED_METRICS = ['cpu_ratio', 'event_loop_lag_ms', 'ping', 'rss_bytes'];

/** `GET /monitor/v1/peers` of a monitor agent. */
export async function peersOf(url: string): Promise<PeerStatus[]> {
  const res = await fetch(`${url}/monitor/v1/peers`);
  assert.equal(res.status, 200);
  return (await res.json()) as PeerStatus[];
}

/** The state of a peer's metric in a status list. */
export function stateOf(rows: readonly PeerStatus[], peer: string, metric = 'ping'): string | undefined {
  return rows.find((r) => r.peer === peer && r.metric === metric)?.state;
}

/** What {@link outageProof} needs. */
export interface OutageProof {
  monitor: AgentProcess;
  /** Starts a reporting agent with this peer id (and remembers it for cleanup). */
  report: (id: string) => Promise<AgentProcess>;
  /** The reporters' ttl and the monitor's check interval, ms. */
  ttl: number;
  check: number;
  /** Room for a late timer tick on a loaded machine, on top of ttl + check. */
  lateTick: number;
  /** Runs while p2 is down (the `meterkit peers` checks). */
  whileDown?: (rows: PeerStatus[]) => Promise<void>;
}

/**
 * The Proof: peers p1, p2, p3 report; SIGKILL p2 → exactly one `down` per metric for
 * it, within ttl + check interval of its last report, none for the others; restart it →
 * exactly one `up` per metric, and nothing more while it keeps reporting.
 */
export async function outageProof(o: OutageProof): Promise<void> {
  const { monitor } = o;
  const [, p2] = await Promise.all(['p1', 'p2', 'p3'].map(o.report));
  assert.ok(p2 !== undefined);
  const all = 3 * REPORTED_METRICS.length;
  await waitFor(async () => ((await peersOf(monitor.url)).filter((r) => r.state === 'up').length === all ? true : undefined), 30_000, 'three peers with their metrics up');
  const before = loggedAlerts(monitor.log()).length;
  const since = (): LoggedAlert[] => loggedAlerts(monitor.log()).slice(before);
  p2.child.kill('SIGKILL');
  await p2.exited;
  const downs = await waitFor(async () => (since().length >= REPORTED_METRICS.length ? since() : undefined), 30_000, 'the down alerts of p2');
  assert.deepEqual(downs.map((a) => `${a.kind} ${a.peer} ${a.metric}`).sort(), REPORTED_METRICS.map((m) => `down p2 ${m}`), monitor.log());
  for (const a of downs) {
    assert.ok(a.after >= o.ttl && a.after <= o.ttl + o.check + o.lateTick, `${a.metric} went down ${a.after} ms after its last report (ttl ${o.ttl}, check ${o.check})`);
  }
  const rows = await peersOf(monitor.url);
  assert.deepEqual(['p1', 'p2', 'p3'].map((p) => stateOf(rows, p)), ['up', 'down', 'up']);
  await o.whileDown?.(rows);
  await o.report('p2');
  await waitFor(async () => (since().length >= 2 * REPORTED_METRICS.length ? true : undefined), 30_000, 'the up alerts of p2');
  // a few more checks pass while p2 reports again: still one down and one up per metric
  const back = Math.max(...(await peersOf(monitor.url)).filter((r) => r.peer === 'p2').map((r) => r.lastSeen));
  await waitFor(async () => ((await peersOf(monitor.url)).some((r) => r.peer === 'p2' && r.metric === 'ping' && r.lastSeen >= back + 2 * o.check) ? true : undefined), 30_000, 'two more reports of p2');
  assert.deepEqual(
    since().map((a) => `${a.kind} ${a.peer} ${a.metric}`).sort(),
    [...REPORTED_METRICS.map((m) => `down p2 ${m}`), ...REPORTED_METRICS.map((m) => `up p2 ${m}`)],
    monitor.log(),
  );
  assert.equal(stateOf(await peersOf(monitor.url), 'p2'), 'up');
}
