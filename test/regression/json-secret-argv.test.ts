/*
 * Regression (issue #8 §2): /debug/vars published process.argv as it was, so the values of
 * --auth-token and --basic-auth reached anyone allowed to read it. The real agent, started
 * with both secrets (one in each flag form), must not show either anywhere in the document.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/meterkit.js', import.meta.url));

describe('regression: /debug/vars redacts secret flags', () => {
  let child: ChildProcess | undefined;
  after(async () => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await exited;
  });

  it('the agent started with --auth-token s3cr3t --basic-auth=prom:pa55w0rd shows neither', async () => {
    const c = spawn(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--no-stream', '--auth-token', 's3cr3t', '--basic-auth=prom:pa55w0rd'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      c.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /serving (http:\/\/[\d.]+:\d+)\/metrics/.exec(err);
        if (m) resolve(m[1] as string);
      });
      c.once('exit', (code) => reject(new Error(`agent exited ${code}: ${err}`)));
    });
    const res = await fetch(`${url}/debug/vars`, { headers: { Authorization: 'Bearer s3cr3t' } });
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.ok(!body.includes('s3cr3t'), 'the bearer token is not published');
    assert.ok(!body.includes('pa55w0rd'), 'the basic-auth password is not published');
    const doc = JSON.parse(body) as { cmdline: string[] };
    assert.deepEqual(doc.cmdline.slice(-4), ['--no-stream', '--auth-token', '[REDACTED]', '--basic-auth=[REDACTED]']);
  });
});
