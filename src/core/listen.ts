import type { AddressInfo, Server } from 'node:net';
import { ErrorCode, MeterkitError } from './errors.js';

/**
 * Starts `server` listening on `host:port`; resolves with the bound address, or rejects with
 * `ERR_METERKIT_LISTEN` naming the address and the reason (port in use, no such interface).
 * The one `listen()` every server of meterkit uses (HTTP and the TCP stream alike).
 */
export function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      reject(new MeterkitError(ErrorCode.Listen, `cannot listen on ${where}: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}
