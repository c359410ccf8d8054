/**
 * The proxy's features over real sockets: TLS termination, PROXY protocol v1, connect and
 * idle timeouts, the connection cap, a bind address in use, and coded errors for bad options.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { Proxy } from '../../src/proxy/index.js';
import type { ProxyServerOptions } from '../../src/proxy/index.js';
import type { Stalled, TestBackend } from '../helpers/backends.js';
import { closed, dial, dialTurnedAway, stalledListener, startBackend, until } from '../helpers/backends.js';
import { needs, requireTools, run, tempDir } from '../helpers/tools.js';

/** Resolves when `s` closes, with whether it was reset (ECONNRESET) rather than ended. */
function howClosed(s: Socket): Promise<'reset' | 'closed'> {
  let reset = false;
  s.on('error', (err: NodeJS.ErrnoException) => {
    reset = err.code === 'ECONNRESET';
  });
  return closed(s).then(() => (reset ? 'reset' : 'closed'));
}

/** TCP server handles and timers alive now (to see that a failed start leaves none behind). */
function resources(): { servers: number; timers: number } {
  const all = process.getActiveResourcesInfo();
  return { servers: all.filter((r) => r === 'TCPServerWrap').length, timers: all.filter((r) => r === 'Timeout').length };
}

describe('proxy features', () => {
  const proxies: Proxy[] = [];
  const backends: TestBackend[] = [];
  const cleanups: Array<() => void | Promise<void>> = [];
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(backends.map((b) => b.stop()));
    for (const c of cleanups) await c();
  });
  async function serve(options: Omit<ProxyServerOptions, 'name' | 'bind'>): Promise<{ proxy: Proxy; port: number; server: Awaited<ReturnType<Proxy['addServer']>> }> {
    const proxy = new Proxy();
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 'f', bind: '127.0.0.1:0', ...options });
    return { proxy, port: server.boundAddress().port, server };
  }

  it('terminates TLS: the backend gets plaintext, and rx/tx count plaintext bytes', { ...needs('openssl') }, async () => {
    requireTools('openssl');
    const { dir, remove } = tempDir('proxy-tls');
    cleanups.push(remove);
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const down = 300_001;
    const backend = await startBackend('tls', { replyBytes: down });
    backends.push(backend);
    const { port, server } = await serve({ backends: [backend.address], tls: { cert: readFileSync(cert), key: readFileSync(key) } });
    const up = 123_457;
    const s = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(cert) });
    await once(s, 'secureConnect');
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    s.end(randomBytes(up));
    await once(s, 'end');
    s.destroy();
    assert.equal(got, down, 'the client got the whole reply over TLS');
    assert.equal(backend.received, up, 'the backend got the plaintext');
    await until(() => server.activeClients() === 0, 'the connection to close at the proxy');
    const [b] = server.backends();
    assert.equal(b?.tx, up, 'tx: plaintext bytes from the client');
    assert.equal(b?.rx, down, 'rx: plaintext bytes to the client');
  });

  it('sends a PROXY protocol v1 header before the payload, and tx leaves it out', async () => {
    const chunks: Buffer[] = [];
    const raw = createServer({ allowHalfOpen: true }, (c) => {
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('end', () => c.end('ok'));
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    cleanups.push(() => new Promise<void>((r) => raw.close(() => r())));
    const backendPort = (raw.address() as { port: number }).port;
    const { port, server } = await serve({ backends: [`127.0.0.1:${backendPort}`], proxyProtocol: true });
    const s = await dial(port);
    const clientPort = s.localPort;
    const payload = randomBytes(4096);
    s.resume();
    s.end(payload);
    await once(s, 'end');
    await closed(s);
    const header = `PROXY TCP4 127.0.0.1 127.0.0.1 ${clientPort} ${port}\r\n`;
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat([Buffer.from(header), payload]));
    await until(() => server.activeClients() === 0, 'the connection to close at the proxy');
    assert.equal(server.backends()[0]?.tx, payload.length, 'the header is not client traffic');
    assert.equal(server.backends()[0]?.rx, 2);
  });

  describe('a backend that never accepts', () => {
    let stalled: Stalled;
    before(async () => {
      stalled = await stalledListener();
    });
    after(() => stalled.close());

    it('is given up after the connect timeout: the client is reset and the backend counted refused', async () => {
      const { port, server } = await serve({ backends: [`127.0.0.1:${stalled.port}`], connectTimeout: 200 });
      const s = await dial(port);
      const how = howClosed(s);
      const started = Date.now();
      assert.equal(await how, 'reset');
      assert.ok(Date.now() - started >= 150, `closed after ${Date.now() - started} ms: before the connect timeout`);
      await until(() => server.activeClients() === 0, 'the proxy to let go');
      const b = server.backends()[0];
      assert.equal(b?.refusedConnections, 1);
      assert.equal(b?.totalConnections, 0);
      assert.equal(b?.active, 0);
    });
  });

  it('closes a connection idle on the client side, and on the backend side', async () => {
    const backend = await startBackend('idle', 'hold');
    backends.push(backend);
    for (const which of ['clientIdleTimeout', 'backendIdleTimeout'] as const) {
      const { port, server } = await serve({ backends: [backend.address], [which]: 100 });
      const s = await dial(port);
      const how = howClosed(s);
      const started = Date.now();
      await until(() => backend.sockets.size === 1, 'the backend to have the connection');
      const [bs] = [...backend.sockets];
      assert.ok(bs !== undefined);
      await Promise.all([how, closed(bs)]);
      assert.ok(Date.now() - started >= 90, `${which}: closed after ${Date.now() - started} ms`);
      assert.equal(await how, 'reset', `${which}: the client learns the stream broke`);
      await until(() => server.activeClients() === 0, 'the proxy to let go');
      assert.equal(server.backends()[0]?.totalConnections, 1);
    }
  });

  it('traffic in either direction keeps a connection with an idle timeout open', async () => {
    const backend = await startBackend('chatty', 'hold');
    backends.push(backend);
    const { port, server } = await serve({ backends: [backend.address], clientIdleTimeout: 1000, backendIdleTimeout: 1000 });
    const s = await dial(port);
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    await until(() => backend.sockets.size === 1, 'the backend to have the connection');
    const [bs] = [...backend.sockets];
    assert.ok(bs !== undefined);
    // 30 rounds of 100 ms: three timeouts' worth, alternating directions
    for (let i = 0; i < 30; i++) {
      if (i % 2 === 0) s.write('x');
      else bs.write('y');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(s.destroyed, false, 'still open');
    await until(() => got === 15 && backend.received === 15, 'every byte through');
    s.end();
    bs.end();
    await closed(s);
    await until(() => server.activeClients() === 0, 'the proxy to let go');
  });

  it('refuses clients over maxConnections, counted, and takes them again below it', async () => {
    const backend = await startBackend('cap', 'hold');
    backends.push(backend);
    const { port, server } = await serve({ backends: [backend.address], maxConnections: 2 });
    const a = await dial(port);
    const b = await dial(port);
    await until(() => backend.sockets.size === 2, 'two connections at the backend');
    assert.equal(await dialTurnedAway(port), 'reset');
    assert.equal(await dialTurnedAway(port), 'reset');
    assert.equal(server.rejected.max_connections, 2);
    assert.equal(server.backends()[0]?.refusedConnections, 0, 'the backend refused nothing');
    a.destroy();
    await until(() => server.activeClients() === 1, 'the first client to be gone');
    const c = await dial(port);
    await until(() => backend.sockets.size === 2, 'the new client to reach the backend');
    b.destroy();
    c.destroy();
  });

  it('an error on one side resets the other', async () => {
    const backend = await startBackend('rst', 'hold');
    backends.push(backend);
    const { port, server } = await serve({ backends: [backend.address] });
    const s = await dial(port);
    const how = howClosed(s);
    await until(() => backend.sockets.size === 1, 'the backend to have the connection');
    [...backend.sockets][0]?.resetAndDestroy();
    assert.equal(await how, 'reset');
    await until(() => server.activeClients() === 0, 'the proxy to let go');
  });

  it('a bind address in use is ERR_METERKIT_LISTEN naming it, and leaves nothing running', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const busyPort = (taken.address() as { port: number }).port;
    const backend = await startBackend('l', 'id');
    backends.push(backend);
    const proxy = new Proxy();
    proxies.push(proxy);
    const before = resources();
    await assert.rejects(
      proxy.addServer({ name: 'busy', bind: `127.0.0.1:${busyPort}`, backends: [backend.address], healthcheck: { kind: 'ping', interval: 50 } }),
      (err: Error & { code?: string }) => err.code === 'ERR_METERKIT_LISTEN' && err.message.includes(`127.0.0.1:${busyPort}`),
    );
    assert.deepEqual(proxy.servers(), []);
    // a listener that failed closes its handle asynchronously: wait for that, then compare
    await until(() => resources().servers === before.servers, 'the failed listener to be closed');
    assert.deepEqual(resources(), before, 'no listener or timer left behind');
    assert.equal(backend.accepted, 0, 'no health check ran');
    // the name is free again
    const ok = await proxy.addServer({ name: 'busy', bind: '127.0.0.1:0', backends: [backend.address] });
    assert.equal(proxy.server('busy'), ok);
  });

  it('a server name in use is refused, naming it', async () => {
    const { proxy } = await serve({ backends: ['127.0.0.1:9'] });
    const before = resources();
    await assert.rejects(proxy.addServer({ name: 'f', bind: '127.0.0.1:0', backends: ['127.0.0.1:9'] }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /"f" already exists/ });
    assert.deepEqual(resources(), before);
  });

  it('bad options each give a coded error naming the value', async () => {
    const proxy = new Proxy();
    proxies.push(proxy);
    const base: ProxyServerOptions = { name: 'bad', bind: '127.0.0.1:0', backends: ['127.0.0.1:9001'] };
    const cases: Array<[Partial<ProxyServerOptions> | Record<string, unknown>, RegExp]> = [
      [{ bind: '127.0.0.1:99999' }, /99999/],
      [{ bind: 'nohost' }, /nohost/],
      [{ backends: ['127.0.0.1'] }, /127\.0\.0\.1/],
      [{ backends: ['127.0.0.1:0'] }, /127\.0\.0\.1:0/],
      [{ backends: ['127.0.0.1:9001,weight=0'] }, /weight.*"?0"?/],
      [{ backends: [{ host: '127.0.0.1', port: 9001, weight: 0 }] }, /weight.*0/],
      [{ backends: [{ host: '127.0.0.1', port: 9001, weight: -2 }] }, /-2/],
      [{ backends: ['127.0.0.1:9001,color=red'] }, /color=red/],
      [{ backends: ['127.0.0.1:9001', '127.0.0.1:9001,weight=2'] }, /127\.0\.0\.1:9001 is given twice/],
      [{ backends: ['127.0.0.1:9001', { host: '127.0.0.1', port: 9001 }] }, /127\.0\.0\.1:9001 is given twice/],
      [{ strategy: 'nope' }, /"nope"/],
      [{ name: 'a b' }, /"a b"/],
      [{ connectTimeout: 0 }, /connect timeout.*0/],
      [{ maxConnections: -1 }, /max connections.*-1/],
      [{ healthcheck: { kind: 'pong' } }, /"pong"/],
      [{ healthcheck: { kind: 'probe', send: '', expect: 'x' } }, /probe send/],
      [{ healthcheck: { kind: 'ping', fails: 0 } }, /fails.*0/],
    ];
    for (const [patch, message] of cases) {
      const options = { ...base, ...patch } as ProxyServerOptions;
      await assert.rejects(proxy.addServer(options), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_METERKIT_INVALID_ARGUMENT', `${JSON.stringify(patch)}: ${err.message}`);
        assert.match(err.message, message, JSON.stringify(patch));
        return true;
      });
    }
    await assert.rejects(proxy.addServer({ ...base, tls: { cert: 'nope', key: 'nope' } }), { code: 'ERR_METERKIT_INVALID_TLS' });
    assert.deepEqual(proxy.servers(), []);
  });
});
