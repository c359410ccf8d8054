/**
 * `meterkit agent` as a real process, for tests that need several: spawn, learn its URL from
 * its log, read its log, kill it.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

/**
 * Spawns `meterkit agent --listen 127.0.0.1:0 --no-stream --no-process …args` and resolves once
 * it logs where it serves; rejects with its log when it exits before.
 */
export function spawnAgent(args: readonly string[]): Promise<AgentProcess> {
  const child = spawn(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--no-stream', '--no-process', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving (https?:\/\/[\d.]+:\d+)\/metrics/.exec(err);
      if (m) resolve({ child, url: m[1] as string, log: () => err, exited, stop });
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
