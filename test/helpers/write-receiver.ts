/**
 * A remote-write receiver on loopback (a real node:http server on port 0) that decodes every
 * request independently of the code under test (snappyjs + protobufjs with proto/remote-write.proto)
 * and answers as a test scripts it: a status with headers, or a reset connection.
 */
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { uncompress } from 'snappyjs';

const PROTO = fileURLToPath(new URL('../../../proto/remote-write.proto', import.meta.url));
const WriteRequest = protobuf.loadSync(PROTO).lookupType('prometheus.WriteRequest');

/** A decoded WriteRequest. */
export interface Decoded {
  timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestamp: number }> }>;
  metadata: Array<{ type: number; metricFamilyName: string; help: string; unit: string }>;
}

/** One request as received. */
export interface WriteReceived {
  headers: IncomingHttpHeaders;
  /** The body as sent (compressed). */
  raw: Buffer;
  decoded: Decoded;
  /** The status it was answered with (0: reset). */
  status: number;
}

/** How the next request is answered. */
export type WriteAnswer = { status: number; headers?: Record<string, string>; body?: string } | { reset: true };

export interface WriteReceiver {
  url: string;
  requests: WriteReceived[];
  /** Answers the next requests in order; after the script: `fallback` (default 204). */
  script(answers: WriteAnswer[], fallback?: WriteAnswer): void;
  /** Samples of accepted requests as `name{labels} value @ts` lines, in arrival order. */
  accepted(): Array<{ labels: Record<string, string>; value: number; timestamp: number }>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1, port 0 (HTTPS with `tls`: PEM certificate and key). */
export async function startWriteReceiver(tls?: { cert: Buffer; key: Buffer }): Promise<WriteReceiver> {
  let queue: WriteAnswer[] = [];
  let fallback: WriteAnswer = { status: 204 };
  const requests: WriteReceived[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const msg = WriteRequest.decode(uncompress(raw));
      const decoded = WriteRequest.toObject(msg, { longs: Number, enums: Number, defaults: true }) as Decoded;
      const a = queue.shift() ?? fallback;
      requests.push({ headers: req.headers, raw, decoded, status: 'reset' in a ? 0 : a.status });
      if ('reset' in a) return void req.socket.destroy();
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? '');
    });
  };
  const server: Server = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}/api/v1/write`,
    requests,
    script: (answers, fb) => {
      queue = [...answers];
      if (fb !== undefined) fallback = fb;
    },
    accepted: () =>
      requests
        .filter((r) => r.status >= 200 && r.status < 300)
        .flatMap((r) => r.decoded.timeseries.flatMap((ts) => ts.samples.map((s) => ({ labels: Object.fromEntries(ts.labels.map((l) => [l.name, l.value])), value: s.value, timestamp: s.timestamp })))),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
