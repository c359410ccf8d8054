/** Raw-socket clients for what `http.request` cannot send: slow, oversized or odd requests. */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** Connects to 127.0.0.1:`port`, writes `text`, and resolves with all it reads until the server closes. */
export function rawExchange(port: number, text: string, onConnect?: (s: Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(text);
      onConnect?.(sock);
    });
    let b = '';
    sock.on('data', (d: Buffer) => (b += d.toString('latin1')));
    sock.on('error', reject);
    sock.on('close', () => resolve(b));
  });
}

/** The status code of a raw HTTP/1.1 reply, or 0 when there is none. */
export function statusOf(reply: string): number {
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(reply);
  return m ? Number(m[1]) : 0;
}
