/**
 * `meterkit proxy`, the real process: traffic flows, /metrics has the proxy's and the agent's
 * own metrics, SIGTERM drains open connections for --drain-timeout and exits 0, and bad flags
 * are usage errors (exit 2) naming the value.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { TestBackend } from '../helpers/backends.js';
import { closed, dial, readAll, sampleValue, startBackend, until } from '../helpers/backends.js';
import { get } from '../helpers/scrape.js';
import { freePort, waitFor } from '../helpers/tools.js';

const BIN = fileURLToPath(new URL('../../../bin/meterkit.js', import.meta.url));

interface Running {
  child: ChildProcess;
  url: string;
  bind: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Spawns `meterkit proxy` on a free port and resolves once the agent says where it serves. */
async function spawnProxy(args: string[]): Promise<Running> {
  const bind = await freePort();
  const child = spawn(process.execPath, [BIN, 'proxy', '--listen', '127.0.0.1:0', '--no-stream', '--bind', `127.0.0.1:${bind}`, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving (http:\/\/[\d.]+:\d+)\/metrics/.exec(err);
      if (m && /proxy "default" on/.test(err)) resolve(m[1] as string);
    });
    void exited.then((code) => reject(new Error(`meterkit proxy exited ${code}: ${err}`)));
  });
  return { child, url, bind, stderr: () => err, exited };
}

/** The connect error code to 127.0.0.1:`port`, or '' when it connected. */
function connectResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Runs `main` in this process; resolves with the exit code and what it wrote to stderr. */
async function usage(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(argv, () => undefined, (t) => (err += t));
  return { code, err };
}

describe('meterkit proxy (a real process)', () => {
  const backends: TestBackend[] = [];
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(backends.map((b) => b.stop()));
  });

  it('forwards traffic, and serves the proxy metrics beside its own on /metrics', async () => {
    const [a, b] = await Promise.all([startBackend('a', 'id'), startBackend('b', 'id')]);
    assert.ok(a !== undefined && b !== undefined);
    backends.push(a, b);
    const p = await spawnProxy(['--backend', a.address, '--backend', `${b.address},weight=3`, '--healthcheck', 'ping,interval=100ms']);
    children.push(p.child);
    try {
      const got: string[] = [];
      for (let i = 0; i < 8; i++) got.push(await readAll(p.bind));
      assert.deepEqual([got.filter((x) => x === 'a').length, got.filter((x) => x === 'b').length], [2, 6], 'weights 1:3');
      // totals are published on the 1 s tick: poll until they show every connection
      const text = await waitFor(
        async () => {
          const t = (await get(`${p.url}/metrics`)).body.toString();
          return sampleValue(t, 'meterkit_proxy_connections_total', { server: 'default', backend: b.address }) === 6 ? t : undefined;
        },
        20_000,
        'the totals on /metrics',
      );
      assert.equal(sampleValue(text, 'meterkit_proxy_connections_total', { server: 'default', backend: a.address }), 2);
      assert.equal(sampleValue(text, 'meterkit_proxy_rx_bytes_total', { server: 'default', backend: b.address }), 6, "six times b's id");
      assert.equal(sampleValue(text, 'meterkit_proxy_backend_up', { server: 'default', backend: a.address }), 1);
      assert.ok((sampleValue(text, 'meterkit_proxy_health_checks_total', { server: 'default', backend: a.address, result: 'pass' }) ?? 0) >= 1);
      assert.match(text, /^process_cpu_seconds_total /m, "the agent's own metrics");
      const stats = JSON.parse((await get(`${p.url}/servers/default/stats`)).body.toString()) as { rx_total: number };
      assert.equal(stats.rx_total, 8);
    } finally {
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0, p.stderr());
    }
  });

  it('SIGTERM: stops accepting at once, lets an open connection finish, exits 0', async () => {
    const backend = await startBackend('d', 'hold');
    backends.push(backend);
    const p = await spawnProxy(['--backend', backend.address, '--drain-timeout', '60s']);
    children.push(p.child);
    const s = await dial(p.bind);
    s.write('before');
    await backend.receivedAtLeast(6);
    p.child.kill('SIGTERM');
    await until(() => /SIGTERM, closing \(open proxy connections get 60000 ms to finish\)/.test(p.stderr()), 'the process to say it is closing');
    assert.equal(await connectResult(p.bind), 'ECONNREFUSED', 'no new clients once closing');
    assert.equal((await get(`${p.url}/healthz`)).status, 200, 'the agent still answers while the proxy drains');
    s.write('during');
    await backend.receivedAtLeast(12);
    assert.equal(p.child.exitCode, null, 'still draining');
    // the client ends; the backend ends too ('hold'); the connection is done and the process exits
    s.resume();
    s.end();
    await closed(s);
    assert.equal(await p.exited, 0, p.stderr());
  });

  it('SIGTERM with a connection that never ends: exits 0 after --drain-timeout, resetting it', async () => {
    const backend = await startBackend('n', 'hold');
    backends.push(backend);
    const p = await spawnProxy(['--backend', backend.address, '--drain-timeout', '300ms']);
    children.push(p.child);
    const s = await dial(p.bind);
    s.write('x');
    await backend.receivedAtLeast(1);
    let reset = false;
    s.on('error', (err: NodeJS.ErrnoException) => (reset = err.code === 'ECONNRESET'));
    const sent = Date.now();
    p.child.kill('SIGTERM');
    // generous: this is a bound on a hang, not a speed claim
    const code = await Promise.race([p.exited, new Promise<string>((r) => setTimeout(() => r('still running after 30 s'), 30_000).unref())]);
    assert.equal(code, 0, p.stderr());
    assert.ok(Date.now() - sent >= 250, `exited ${Date.now() - sent} ms after SIGTERM: before the drain timeout`);
    await closed(s);
    assert.ok(reset, 'the open connection was reset at the end of the drain');
  });

  it('a --bind address in use: exits 2 naming it (bad input, as the issue asks), as the agent does for a port in use', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as AddressInfo).port;
    try {
      const child = spawn(process.execPath, [BIN, 'proxy', '--listen', '127.0.0.1:0', '--no-stream', '--bind', `127.0.0.1:${port}`, '--backend', '127.0.0.1:9'], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      let err = '';
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 2, err);
      assert.match(err, new RegExp(`^meterkit proxy: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`, 'm'));
    } finally {
      taken.close();
    }
  });

  it('bad flags are usage errors (exit 2) naming the value', async () => {
    const ok = ['proxy', '--listen', '127.0.0.1:0', '--no-stream', '--bind', '127.0.0.1:0'];
    const cases: Array<[string[], RegExp]> = [
      [[...ok, '--backend', 'x'], /"x"/],
      [[...ok, '--backend', '127.0.0.1:9001', '--strategy', 'nope'], /"nope"/],
      [[...ok, '--backend', '127.0.0.1:9001,weight=0'], /weight/],
      [[...ok, '--backend', '127.0.0.1:9001', '--backend', '127.0.0.1:9001'], /127\.0\.0\.1:9001 is given twice/],
      [[...ok, '--backend', '127.0.0.1:9001', '--healthcheck', 'pong'], /"pong"/],
      [[...ok, '--backend', '127.0.0.1:9001', '--drain-timeout', '5 parsecs'], /--drain-timeout/],
      [[...ok, '--backend', '127.0.0.1:9001', '--proxy-naming', 'haproxy'], /"haproxy"/],
      [[...ok], /--backend/],
      [['proxy', '--backend', '127.0.0.1:9001'], /--bind/],
      [['proxy', '--listen', '127.0.0.1:0', '--bind', '127.0.0.1:99999', '--backend', '127.0.0.1:9001'], /99999/],
      [['agent', '--backend', '127.0.0.1:9001'], /--proxy-bind/],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await usage(argv);
      assert.equal(code, 2, `${argv.join(' ')}: ${err}`);
      assert.match(err, message, argv.join(' '));
    }
    const help = await usage(['proxy', '--help']);
    assert.equal(help.code, 0);
  });
});

