/** `meterkit webhook-listen` as a real process: its URL, the events it printed, stop. */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { BIN } from './agents.js';
import { waitFor } from './tools.js';

/** A running receiver. */
export interface Listener {
  child: ChildProcess;
  /** Its base URL. */
  url: string;
  /** The events it printed (one JSON line each), parsed. */
  events: () => Array<Record<string, unknown>>;
  /** What it wrote to stderr. */
  log: () => string;
  /** Waits until `n` events (with distinct ids) arrived; resolves with them. */
  waitForEvents: (n: number, ms?: number) => Promise<Array<Record<string, unknown>>>;
  stop: () => Promise<void>;
}

/** Spawns `meterkit webhook-listen <addr> …args` and resolves once it listens. */
export function spawnListener(args: readonly string[], addr = '127.0.0.1:0'): Promise<Listener> {
  const child = spawn(process.execPath, [BIN, 'webhook-listen', addr, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const events = (): Array<Record<string, unknown>> =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const waitForEvents = (n: number, ms = 60_000): Promise<Array<Record<string, unknown>>> =>
    waitFor(async () => (new Set(events().map((e) => e.id)).size >= n ? events() : undefined), ms, `${n} events at the listener (got ${events().length}; its log: ${err})`);
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(err);
      if (m) resolve({ child, url: m[1] as string, events, log: () => err, waitForEvents, stop });
    });
    void exited.then((code) => reject(new Error(`meterkit webhook-listen exited ${code}: ${err}`)));
  });
}
