/**
 * Regression: after a reconnect the ingest confirms its renewed subscription with a flush
 * (PING/PONG) before it says `connected`. The NATS client's close() does not reject a pending
 * flush, so a close() in that window waited forever for the status watcher. A fake server that
 * never answers that PING holds the window open.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { startNatsIngest } from '../../src/monitor/nats.js';

const INFO = `INFO ${JSON.stringify({ server_id: 'fake', version: '2.9.10', proto: 1, max_payload: 1048576, headers: true })}\r\n`;

it('close() returns while the ingest is confirming its subscription after a reconnect', async () => {
  const sockets: Socket[] = [];
  let secondFlushSeen: () => void = () => {};
  const secondFlush = new Promise<void>((resolve) => (secondFlushSeen = resolve));
  const server = createServer((socket) => {
    const n = sockets.push(socket);
    let pings = 0;
    socket.on('error', () => socket.destroy());
    socket.on('data', (d: Buffer) => {
      for (const _ of d.toString().matchAll(/PING\r\n/g)) {
        pings++;
        // the first connection answers everything; the second only its handshake
        if (n === 1 || pings === 1) socket.write('PONG\r\n');
        else secondFlushSeen();
      }
    });
    socket.write(INFO);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const errors: Error[] = [];
  const ingest = await startNatsIngest({ servers: `nats://127.0.0.1:${port}`, onBatch: () => {}, onError: (e) => errors.push(e), reconnectWait: 50 });
  sockets[0]?.destroy();
  await secondFlush;
  assert.equal(ingest.status, 'reconnecting');
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    ingest.close().then(() => 'closed'),
    new Promise((resolve) => (timer = setTimeout(() => resolve('hung'), 10_000))),
  ]);
  clearTimeout(timer);
  assert.equal(closed, 'closed');
  assert.equal(ingest.status, 'closed');
});
