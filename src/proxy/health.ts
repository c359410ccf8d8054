/**
 * Health checks of a server's backends: `ping` (a TCP connect), `probe` (send bytes, expect a
 * reply) and `exec` (run a command with the host and port; exit 0 = healthy). A backend flips
 * to down after `fails` consecutive failures and back up after `passes` consecutive passes
 * (strictly consecutive: a result of the other kind restarts the count). The first check runs
 * at once; a backend's checks never overlap.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration, checkWhole } from '../core/options.js';
import type { Backend } from './backend.js';

/** Reply bytes a probe reads at most while it looks for a match. */
export const PROBE_MAX_BYTES = 64 * 1024;

/** How often and how strictly a health check runs. */
export interface CheckTiming {
  /** ms between the end of one check and the start of the next. Default 2000. */
  interval?: number;
  /** ms one check may take; past it, it failed. Default 1000. */
  timeout?: number;
  /** Consecutive failures that mark a live backend down. Default 1. */
  fails?: number;
  /** Consecutive passes that mark a down backend live. Default 1. */
  passes?: number;
}

/** How a server checks its backends. */
export type HealthCheckOptions =
  | ({ kind: 'ping' } & CheckTiming)
  | ({
      kind: 'probe';
      /** Bytes to send once connected (a string is sent as UTF-8). */
      send: string | Uint8Array;
      /** The reply must start with this string, or match this RegExp (tested on the reply as latin1 text). */
      expect: string | RegExp;
    } & CheckTiming)
  | ({
      kind: 'exec';
      /** The program to run (no shell); it gets `...args, host, port` and must exit 0 for healthy. */
      command: string;
      args?: readonly string[];
    } & CheckTiming);

/** The checked, complete form of {@link HealthCheckOptions}. */
export type HealthCheck = HealthCheckOptions & Required<CheckTiming>;

/**
 * Checks health check options and fills in defaults.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad value and the rule.
 */
export function checkHealthCheck(o: HealthCheckOptions): HealthCheck {
  const kind = (o as { kind?: unknown }).kind;
  if (kind !== 'ping' && kind !== 'probe' && kind !== 'exec') {
    throw new MeterkitError(ErrorCode.InvalidArgument, `unknown health check kind ${describeValue(kind)}: use ping, probe or exec`);
  }
  const timing = {
    interval: checkDuration('health check interval', o.interval ?? 2000),
    timeout: checkDuration('health check timeout', o.timeout ?? 1000),
    fails: checkWhole('health check fails', o.fails ?? 1, { max: 1000 }),
    passes: checkWhole('health check passes', o.passes ?? 1, { max: 1000 }),
  };
  if (o.kind === 'probe') {
    if (!(typeof o.send === 'string' || o.send instanceof Uint8Array) || o.send.length === 0) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid probe send ${describeValue(o.send)}: give the bytes to send (a non-empty string or Uint8Array)`);
    }
    if (!(o.expect instanceof RegExp) && (typeof o.expect !== 'string' || o.expect === '')) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid probe expect ${describeValue(o.expect)}: give the reply's start (a non-empty string) or a RegExp`);
    }
    // a global or sticky RegExp keeps lastIndex between tests: use a stateless copy
    const expect = o.expect instanceof RegExp ? new RegExp(o.expect.source, o.expect.flags.replace(/[gy]/g, '')) : o.expect;
    return { ...o, ...timing, expect };
  }
  if (o.kind === 'exec') {
    // a NUL byte makes spawn() throw: refused here, where the caller can hear it
    if (typeof o.command !== 'string' || o.command === '' || o.command.includes('\0')) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid exec command ${describeValue(o.command)}: give the program to run`);
    }
    if (o.args !== undefined && (!Array.isArray(o.args) || !o.args.every((a) => typeof a === 'string' && !a.includes('\0')))) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid exec args ${describeValue(o.args)}: give an array of strings`);
    }
  }
  return { ...o, ...timing };
}

/**
 * Runs an exec check: true when the command exits 0 within the timeout. The command runs in
 * a process group of its own, and a timeout kills the whole group: killing the command alone
 * (execFile's timeout) orphans whatever it started, one stray process per check of a hung
 * backend. Its output is not read.
 */
function runExec(check: HealthCheck & { kind: 'exec' }, b: Backend): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(check.command, [...(check.args ?? []), b.host, String(b.port)], { stdio: 'ignore', detached: true, windowsHide: true });
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => {
      try {
        // the negative pid is the group the command leads
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch (err) {
        // ESRCH: the group ended between the timeout and the kill; otherwise stop the command at least
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') child.kill('SIGKILL');
      }
      done(false);
    }, check.timeout);
    timer.unref();
    // not found, not executable: a failed check, like gobetween's
    child.on('error', () => done(false));
    child.on('exit', (code) => done(code === 0));
  });
}

/** Runs one check of `b`: resolves true for healthy. Never rejects. */
export function runCheck(check: HealthCheck, b: Backend): Promise<boolean> {
  if (check.kind === 'exec') return runExec(check, b);
  return new Promise((resolve) => {
    const socket = connect({ host: b.host, port: b.port });
    let reply = '';
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), check.timeout);
    timer.unref();
    socket.on('error', () => done(false));
    socket.on('connect', () => {
      if (check.kind === 'ping') done(true);
      else socket.write(check.send);
    });
    if (check.kind !== 'probe') return;
    const expect = check.expect;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (typeof expect === 'string' ? reply.startsWith(expect) : expect.test(reply)) done(true);
      else if (typeof expect === 'string' ? !expect.startsWith(reply) : reply.length >= PROBE_MAX_BYTES) done(false);
    });
    socket.on('end', () => done(false));
  });
}

/**
 * Checks each backend on its own timer and calls `onChange` when one flips live/down.
 * `onResult` hears every result (for the checks counter).
 */
export class HealthChecker {
  private readonly timers = new Map<Backend, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly check: HealthCheck,
    private readonly onChange: (b: Backend, live: boolean) => void,
    private readonly onResult: (b: Backend, ok: boolean) => void = () => undefined,
  ) {}

  /** Starts checking `b` (its first check runs now). */
  watch(b: Backend): void {
    if (this.closed || this.timers.has(b)) return;
    this.schedule(b, 0);
  }

  /** Stops checking `b` (a removed backend). */
  unwatch(b: Backend): void {
    const t = this.timers.get(b);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(b);
  }

  private schedule(b: Backend, delay: number): void {
    const t = setTimeout(() => {
      const p = this.once(b).finally(() => this.running.delete(p));
      this.running.add(p);
    }, delay);
    // health checks alone do not keep the process alive: the server's listener does
    t.unref();
    this.timers.set(b, t);
  }

  private async once(b: Backend): Promise<void> {
    const ok = await runCheck(this.check, b);
    if (this.closed || !this.timers.has(b)) return;
    this.onResult(b, ok);
    // streak > 0: consecutive passes; < 0: consecutive failures
    b.streak = ok ? Math.max(b.streak, 0) + 1 : Math.min(b.streak, 0) - 1;
    if (b.live && !ok && -b.streak >= this.check.fails) {
      b.live = false;
      this.onChange(b, false);
    } else if (!b.live && ok && b.streak >= this.check.passes) {
      b.live = true;
      this.onChange(b, true);
    }
    this.schedule(b, this.check.interval);
  }

  /** Stops every check and waits for those under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.running]);
  }
}
