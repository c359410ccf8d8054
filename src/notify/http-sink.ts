/**
 * The HTTP sink: one POST of one batch, over a keep-alive connection per endpoint. It only
 * reports what happened (a status, or an error); the endpoint's sender decides what follows
 * (retry.ts).
 *
 * The timeout covers the whole attempt, connecting to the last byte of the answer, on a real
 * timer (it bounds real I/O, so an injected clock does not drive it). The answer's body is read
 * and thrown away (so the connection can be reused), at most {@link RESPONSE_DRAIN_MAX} bytes.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Most answer bytes read before the connection is dropped instead of drained. */
export const RESPONSE_DRAIN_MAX = 64 * 1024;

/** How long a connection may stay idle before the sink closes it, in ms. */
export const IDLE_MS = 4000;

/** What one attempt got. */
export interface SendResult {
  /** The HTTP status, when an answer came. */
  status?: number;
  /** The answer's `Retry-After` header, if any. */
  retryAfter?: string;
  /** Why no answer came (refused, reset, timeout…), when none did. */
  error?: Error;
  /** Duration of the attempt in seconds. */
  seconds: number;
}

/** POSTs batches to one URL. */
export class HttpSink {
  private readonly agent: HttpAgent;
  private readonly https: boolean;

  /** `ca`: PEM CA certificates for an https: URL (default: Node's list). */
  constructor(
    private readonly url: URL,
    private readonly timeout: number,
    ca?: string,
  ) {
    this.https = url.protocol === 'https:';
    // an idle connection is closed after IDLE_MS (the agent destroys only free sockets on this
    // timeout), before a receiver's own keep-alive timeout (Node's: 5 s) closes it under a
    // request being sent: that race would cost a reset and a retry
    const opts = { keepAlive: true, maxSockets: 1, timeout: IDLE_MS };
    this.agent = this.https ? new HttpsAgent({ ...opts, ...(ca === undefined ? {} : { ca }) }) : new HttpAgent(opts);
  }

  /** Sends `body` with `headers`; never rejects. */
  send(body: string, headers: OutgoingHttpHeaders): Promise<SendResult> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: Omit<SendResult, 'seconds'>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...r, seconds: seconds() });
      };
      const payload = Buffer.from(body);
      const req = (this.https ? httpsRequest : httpRequest)(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...headers, 'content-length': payload.length },
      });
      const timer = setTimeout(() => {
        const err = new Error(`no answer within ${this.timeout} ms`);
        err.name = 'TimeoutError';
        req.destroy(err);
        finish({ error: err });
      }, this.timeout).unref();
      req.on('error', (err) => finish({ error: err }));
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const ra = res.headers['retry-after'];
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > RESPONSE_DRAIN_MAX) res.destroy();
        });
        // the status is the answer: a body cut short after it (an error here) changes nothing
        const answered = (): void => finish(ra === undefined ? { status } : { status, retryAfter: ra });
        res.on('error', answered);
        res.on('close', answered);
      });
      req.end(payload);
    });
  }

  /** Closes idle connections. */
  close(): void {
    this.agent.destroy();
  }
}
