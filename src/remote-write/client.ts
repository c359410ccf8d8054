/**
 * One POST of one compressed WriteRequest, over a keep-alive connection. It only reports what
 * happened (a status and the start of the answer's body, or an error); the shard decides what
 * follows (see `verdict`).
 *
 * The timeout covers the whole attempt, connecting to the last byte of the answer. The body
 * of an answer is read up to {@link ANSWER_TEXT_MAX} bytes (receivers say why they refused a
 * write there, and that reason goes into the error reported) and the rest is thrown away.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Bytes of an answer's body kept for the error message. */
export const ANSWER_TEXT_MAX = 1024;
/** Answer bytes read before the connection is dropped instead of drained. */
const DRAIN_MAX = 64 * 1024;
/** Idle time after which a kept-alive connection is closed (before a receiver closes it under a request). */
const IDLE_MS = 4000;

/** TLS settings of an https: receiver. */
export interface ClientTls {
  /** PEM CA certificates to trust (default: Node's list). */
  ca?: string | Buffer;
  /** PEM client certificate, for receivers that ask for one. */
  cert?: string | Buffer;
  /** PEM private key of `cert`. */
  key?: string | Buffer;
  /** Server name to check the certificate against (default: the URL's host). */
  serverName?: string;
  /** Accept any certificate. For tests only: it gives up what TLS is for. */
  insecureSkipVerify?: boolean;
}

/** What one attempt got. */
export interface Answer {
  /** The HTTP status, when an answer came. */
  status?: number;
  /** The answer's `Retry-After` header. */
  retryAfter?: string;
  /** The start of the answer's body (for messages). */
  text?: string;
  /** Why no answer came (refused, reset, timeout, aborted), when none did. */
  error?: Error;
}

/** POSTs request bodies to one URL. */
export class WriteClient {
  private readonly agent: HttpAgent;
  private readonly https: boolean;

  constructor(
    private readonly url: URL,
    private readonly timeout: number,
    tls: ClientTls = {},
  ) {
    this.https = url.protocol === 'https:';
    const opts = { keepAlive: true, timeout: IDLE_MS };
    this.agent = this.https
      ? new HttpsAgent({
          ...opts,
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          ...(tls.cert === undefined ? {} : { cert: tls.cert }),
          ...(tls.key === undefined ? {} : { key: tls.key }),
          ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
          rejectUnauthorized: tls.insecureSkipVerify !== true,
        })
      : new HttpAgent(opts);
  }

  /** Sends `body`; never rejects. `signal` aborts the attempt (the writer closing). */
  send(body: Uint8Array, headers: OutgoingHttpHeaders, signal: AbortSignal): Promise<Answer> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (a: Answer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(a);
      };
      const req = (this.https ? httpsRequest : httpRequest)(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...headers, 'content-length': body.length },
      });
      const fail = (err: Error): void => {
        req.destroy(err);
        finish({ error: err });
      };
      const onAbort = (): void => fail(new Error('aborted: the writer closed'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        const err = new Error(`no answer within ${this.timeout} ms`);
        err.name = 'TimeoutError';
        fail(err);
      }, this.timeout).unref();
      req.on('error', (err) => finish({ error: err }));
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const ra = res.headers['retry-after'];
        const kept: Buffer[] = [];
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          if (read < ANSWER_TEXT_MAX) kept.push(chunk.subarray(0, ANSWER_TEXT_MAX - read));
          read += chunk.length;
          if (read > DRAIN_MAX) res.destroy();
        });
        // the status is the answer: a body cut short after it changes nothing
        const answered = (): void => {
          const text = Buffer.concat(kept).toString('utf8').trim();
          finish({ status, ...(ra === undefined ? {} : { retryAfter: ra }), ...(text === '' ? {} : { text }) });
        };
        res.on('error', answered);
        res.on('close', answered);
      });
      req.end(body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** What a shard does with an answer: Prometheus's rules (a 5xx or 429 is recoverable, other 4xx not). */
export function verdict(a: Answer): 'sent' | 'retry' | 'failed' {
  if (a.status === undefined) return 'retry';
  if (a.status >= 200 && a.status < 300) return 'sent';
  if (a.status === 429 || a.status >= 500) return 'retry';
  return 'failed';
}
