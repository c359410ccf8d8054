/**
 * A process of the proxy benchmark (forked by bench/proxy.ts), one of:
 * - `backend`: a sink that counts what it receives and, when a client ends, answers with the
 *   count as text; a 64-byte message gets a 64-byte reply (request/response);
 * - `meterkit` / `meterkit-noacct`: meterkit's proxy, accounting on or off;
 * - `pipe`: a bare Node forwarder, `client.pipe(backend).pipe(client)` — the floor Node can do.
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

function pipeForwarder(port: number): void {
  // the same socket options as meterkit's proxy (noDelay both ways): like compared with like
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (c: Socket) => {
    const b = connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true });
    c.on('error', () => b.destroy());
    b.on('error', () => c.destroy());
    c.pipe(b).pipe(c);
  });
  server.listen(0, '127.0.0.1', () => send({ port: (server.address() as { port: number }).port }));
}

async function meterkit(port: number, accounting: boolean): Promise<void> {
  const proxy = new Proxy({ metrics: new Registry() });
  const s = await proxy.addServer({ name: 'bench', bind: '127.0.0.1:0', backends: [`127.0.0.1:${port}`], strategy: 'roundrobin', accounting });
  connected = () => s.backends().reduce((n, b) => n + b.totalConnections, 0);
  send({ port: s.boundAddress().port });
}

if (mode === 'backend') backend();
else if (mode === 'pipe') pipeForwarder(Number(target));
else await meterkit(Number(target), mode === 'meterkit');
