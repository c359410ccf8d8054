/**
 * Issue #8 §3: a hung Docker engine made every scrape wait 10–20 s (the collector raced its own
 * 20 s timer, and the agent patched the registry's wait to 25 s) and shutdown wait ~29 s (engine
 * calls were never aborted). Now the registry's inline timeout is the one policy, and SIGTERM
 * aborts the engine calls in flight.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { tempDir, waitFor } from '../helpers/tools.js';

const BIN = fileURLToPath(new URL('../../../bin/meterkit.js', import.meta.url));

describe('regression: a hung Docker engine neither holds scrapes nor shutdown', () => {
  const tmp = tempDir('hung-docker');
  const socketPath = join(tmp.dir, 'hung.sock');
  const held = new Set<Socket>();
  // accepts connections, reads the requests, never answers
  const engine = createServer((s) => {
    held.add(s);
    s.on('close', () => held.delete(s));
    s.resume();
  });
  after(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => engine.close(() => r()));
    tmp.remove();
  });

  it('answers by the inline timeout, then exits 0 within 2 s of SIGTERM', async () => {
    engine.listen(socketPath);
    await once(engine, 'listening');
    const child = spawn(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--no-stream', '--no-process', '--docker', `unix://${socketPath}`, '--collect-timeout', '300'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    try {
      const url = await waitFor(async () => /serving (http:\/\/[^/]+)\/metrics/.exec(stderr)?.[1], 20_000, `the agent's address (stderr: ${stderr})`);
      const r = await fetch(`${url}/metrics`);
      assert.equal(r.status, 200);
      const body = await r.text();
      assert.match(body, /^docker_probe_inline_timeouts_total 1$/m, 'the collector heard that the scrape stopped waiting');
      assert.match(body, /^meterkit_scrape_inline_timeouts_total 1$/m);
      assert.ok(held.size > 0, 'an engine call is in flight');
      const t0 = performance.now();
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      const ms = performance.now() - t0;
      assert.equal(signal, null, stderr);
      assert.equal(code, 0, stderr);
      // a bound on shutdown, not a speed claim: without aborting, the engine call holds the process ~30 s
      assert.ok(ms < 2000, `exited ${Math.round(ms)} ms after SIGTERM`);
      assert.doesNotMatch(stderr, /unavailable|failed/, 'closing is not an engine failure');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});
