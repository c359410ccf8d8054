/**
 * A process of the proxy benchmark (forked by bench/proxy.ts), one of:
 * - `backend`: a sink that counts what it receives and, when a client ends, answers with the
 *   count as text; a 64-byte message gets a 64-byte reply (request/response);
 * - `forwarders`: in one process, meterkit's proxy with accounting on, the same with accounting
 *   off, and a bare Node forwarder, `client.pipe(backend).pipe(client)` — the floor Node can do;
 * - `meterkit`: meterkit's proxy alone (the idle-connection memory case).
 * It tells the parent its port, and its RSS when asked.
 */
import type { Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { Proxy } from '../src/proxy/index.js';
import { Registry } from '../src/core/registry.js';

const [mode = 'backend', target = '0'] = process.argv.slice(2);
const send = (m: unknown): void => {
  process.send?.(m);
};
/** Connections the proxy has made to the backend (meterkit modes). */
let connected = (): number => 0;
process.on('message', (m) => {
  if (m === 'rss') send({ rss: process.memoryUsage().rss });
  if (m === 'connected') send({ connected: connected() });
});

function backend(): void {
  const server = createServer({ allowHalfOpen: true }, (s: Socket) => {
    let n = 0;
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      n += d.length;
      // request/response: a 64-byte message is answered at once with 64 bytes
      if (n === 64) s.write(Buffer.alloc(64, 0x61));
    });
    s.on('end', () => s.end(String(n)));
  });
  server.listen(0, '127.0.0.1', () => send({ port: (server.address() as { port: number }).port }));
}

/** A bare pipe() forwarder; resolves with its port. */
function pipeForwarder(port: number): Promise<number> {
  // the same socket options as meterkit's proxy (noDelay both ways): like compared with like
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (c: Socket) => {
    const b = connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true });
    c.on('error', () => b.destroy());
    b.on('error', () => c.destroy());
    c.pipe(b).pipe(c);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** meterkit's proxy, accounting on or off; resolves with its port. */
async function meterkit(port: number, accounting: boolean): Promise<number> {
  const proxy = new Proxy({ metrics: new Registry() });
  const s = await proxy.addServer({ name: `bench-${accounting ? 'on' : 'off'}`, bind: '127.0.0.1:0', backends: [`127.0.0.1:${port}`], strategy: 'roundrobin', accounting });
  const before = connected;
  connected = () => before() + s.backends().reduce((n, b) => n + b.totalConnections, 0);
  return s.boundAddress().port;
}

if (mode === 'backend') backend();
else if (mode === 'forwarders') {
  // the three Node forwarders in ONE process, so what differs between processes (where the
  // scheduler puts them, their heap layout) cannot pass for a difference between forwarders
  const target0 = Number(target);
  send({ ports: { meterkit: await meterkit(target0, true), noacct: await meterkit(target0, false), pipe: await pipeForwarder(target0) } });
} else send({ port: await meterkit(Number(target), true) });
