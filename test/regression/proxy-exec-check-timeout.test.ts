/**
 * Issue #10: an `exec` health check that outlived its timeout was killed with SIGTERM to the
 * command alone (execFile's timeout). What the command had started — a `sleep`, a `curl`, a
 * `nc` waiting on a dead host — lived on, orphaned: one more stray process per check interval
 * for as long as the backend hung. The check now runs in its own process group, and a timeout
 * kills the whole group.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Backend } from '../../src/proxy/backend.js';
import { checkHealthCheck, runCheck } from '../../src/proxy/health.js';
import { until } from '../helpers/backends.js';
import { tempDir } from '../helpers/tools.js';

/** Whether `pid` is a live process (a zombie waiting to be reaped is not). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // no /proc entry: gone
    throw err;
  }
}

describe('regression: an exec health check that times out leaves no process behind', () => {
  const { dir, remove } = tempDir('exec-timeout');
  const pids: number[] = [];
  after(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    remove();
  });

  it('kills what the command started, and fails the check at its timeout', async () => {
    const script = join(dir, 'hang.sh');
    const pidFile = join(dir, 'pid');
    // a child in the background, its pid written down, then the script waits for it
    writeFileSync(script, `#!/bin/sh\nsleep 300 &\necho $! > '${pidFile}'\nwait $!\n`);
    chmodSync(script, 0o755);
    const check = checkHealthCheck({ kind: 'exec', command: script, timeout: 300 });
    const ok = await runCheck(check, new Backend('127.0.0.1', 9, 1, 1, 5000, true));
    assert.equal(ok, false, 'a check past its timeout failed');
    assert.ok(existsSync(pidFile), 'the script ran');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    pids.push(pid);
    await until(() => !alive(pid), `the script's child (pid ${pid}) to be killed`, 5000);
  });

  it('a command that does not exist fails the check', async () => {
    const check = checkHealthCheck({ kind: 'exec', command: join(dir, 'missing'), timeout: 1000 });
    assert.equal(await runCheck(check, new Backend('127.0.0.1', 9, 1, 1, 5000, true)), false);
  });
});
