/**
 * Finding the real components tests use. When one is missing: with CI=true the test fails
 * (CI must have everything); otherwise it is skipped with a message naming the install script.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
const INSTALL = 'scripts/install-test-deps.sh (as root)';

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, cmd);
    if (dir !== '' && existsSync(p)) return p;
  }
  return undefined;
}

const checks: Record<string, () => boolean> = {
  promtool: () => onPath('promtool') !== undefined,
  prometheus: () => onPath('prometheus') !== undefined,
  pushgateway: () => onPath('prometheus-pushgateway') !== undefined,
  openmetrics: () => existsSync(PYTHON) && existsSync('/usr/lib/python3/dist-packages/prometheus_client/openmetrics/parser.py'),
  openssl: () => onPath('openssl') !== undefined,
  tmux: () => onPath('tmux') !== undefined,
  'nats-server': () => onPath('nats-server') !== undefined,
  'victoria-metrics': () => onPath('victoria-metrics') !== undefined,
  podman: () => onPath('podman') !== undefined && onPath('runc') !== undefined && onPath('busybox') !== undefined,
  chromium: () => existsSync('/usr/bin/chromium'),
  firefox: () => onPath('firefox-esr') !== undefined,
};

/** Test options for a test that needs `tool`: `{ skip }` when missing outside CI. */
export function needs(...tools: Array<keyof typeof checks>): { skip?: string } {
  const missing = tools.filter((t) => !(checks[t] as () => boolean)());
  if (missing.length === 0 || process.env.CI === 'true') return {};
  return { skip: `needs ${missing.join(', ')}: install with ${INSTALL}` };
}

/** Throws (failing the test) when a tool is missing: for CI, where nothing may be skipped. */
export function requireTools(...tools: Array<keyof typeof checks>): void {
  const missing = tools.filter((t) => !(checks[t] as () => boolean)());
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: install with ${INSTALL}`);
}

/** A free TCP port on 127.0.0.1 (for servers that cannot listen on port 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `meterkit-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a long-running process; `stop()` kills it and waits for its exit. */
export function startProcess(cmd: string, args: string[]): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Polls `probe` until it returns a value (not undefined) or `ms` pass. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
