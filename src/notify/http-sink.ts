/**
 * The HTTP sink: one POST of one batch, over a keep-alive connection per endpoint. It only
 * reports what happened (a status, or an error); the endpoint's sender decides what follows
 * (retry.ts).
 *
 * An attempt settles on the answer's status line: its body is read and thrown away in the
 * background (so the connection can be reused), at most {@link RESPONSE_DRAIN_MAX} bytes and
 * within what is left of the timeout, then the connection is dropped. A body that never ends
 * after a status is therefore no failure: the status is the answer.
 *
 * Redirects are followed as Go's http.Client (distribution's) follows them for a POST: a 307 or
 * 308 sends the same body with the same headers (signature included) to `Location`, at most
 * {@link MAX_REDIRECTS} hops; once a hop leaves the endpoint's origin the endpoint's own headers
 * (`Authorization`, custom ones) are no longer sent. A 301, 302 or 303 is NOT followed: Go
 * would turn the POST into a GET without the body, which delivers nothing; the status is
 * returned and the sender treats it as a failure (retry.ts).
 *
 * The timeout covers the whole attempt (every hop), connecting to the status line, on a real
 * timer (it bounds real I/O, so an injected clock does not drive it). An attempt never throws:
 * a request node:http refuses to build (a header it cannot send) is an error marked
 * `permanent`, since sending it again cannot help.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Most answer bytes read before the connection is dropped instead of drained. */
export const RESPONSE_DRAIN_MAX = 16 * 1024;

/** How long a connection may stay idle before the sink closes it, in ms. */
export const IDLE_MS = 4000;

/** Most redirects (307/308) followed in one attempt, as Go's http.Client. */
export const MAX_REDIRECTS = 10;

/** Redirects that are followed: the ones that keep the method and the body. */
const FOLLOWED = new Set([307, 308]);

/** What one attempt got. */
export interface SendResult {
  /** The HTTP status, when an answer came (the last hop's, after redirects). */
  status?: number;
  /** The answer's `Retry-After` header, if any. */
  retryAfter?: string;
  /** Why no answer came (refused, reset, timeout, too many redirects…), when none did. */
  error?: Error;
  /** True when the request could not even be built (sending it again cannot help). */
  permanent?: boolean;
  /** Duration of the attempt in seconds. */
  seconds: number;
}

type Hop = { status: number; retryAfter?: string; location?: string } | { error: Error; permanent?: boolean };

function failure(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/** POSTs batches to one URL. */
export class HttpSink {
  private readonly agents = new Map<string, HttpAgent>();

  /** `ca`: PEM CA certificates for https: URLs (default: Node's list). */
  constructor(
    private readonly url: URL,
    private readonly timeout: number,
    private readonly ca?: string,
  ) {}

  /** The keep-alive agent of a protocol (the endpoint's, or a redirect's). */
  private agent(protocol: string): HttpAgent {
    let a = this.agents.get(protocol);
    if (a === undefined) {
      // an idle connection is closed after IDLE_MS (the agent destroys only free sockets on this
      // timeout), before a receiver's own keep-alive timeout (Node's: 5 s) closes it under a
      // request being sent: that race would cost a reset and a retry
      const opts = { keepAlive: true, maxSockets: 1, timeout: IDLE_MS };
      a = protocol === 'https:' ? new HttpsAgent({ ...opts, ...(this.ca === undefined ? {} : { ca: this.ca }) }) : new HttpAgent(opts);
      this.agents.set(protocol, a);
    }
    return a;
  }

  /**
   * Sends `body` with `headers`, following 307/308; never rejects. `own`: the names of the
   * endpoint's configured headers, not sent past its origin.
   */
  async send(body: string, headers: OutgoingHttpHeaders, own: readonly string[] = []): Promise<SendResult> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    const payload = Buffer.from(body);
    let url = this.url;
    let h = headers;
    for (let hops = 0; ; hops++) {
      const left = Math.max(1, this.timeout - (performance.now() - started));
      const r = await this.once(url, payload, h, left);
      if ('error' in r) return r.permanent === true ? { error: r.error, permanent: true, seconds: seconds() } : { error: r.error, seconds: seconds() };
      if (!FOLLOWED.has(r.status) || r.location === undefined) return r.retryAfter === undefined ? { status: r.status, seconds: seconds() } : { status: r.status, retryAfter: r.retryAfter, seconds: seconds() };
      if (hops >= MAX_REDIRECTS) return { error: failure('RedirectError', `stopped after ${MAX_REDIRECTS} redirects`), seconds: seconds() };
      let next: URL;
      try {
        next = new URL(r.location, url);
      } catch (err) {
        return { error: failure('RedirectError', `a ${r.status} with a Location that is not a URL: ${(err as Error).message}`), seconds: seconds() };
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return { error: failure('RedirectError', `a ${r.status} to a ${next.protocol} URL`), seconds: seconds() };
      if (next.origin !== this.url.origin && own.length > 0 && h === headers) {
        const drop = new Set(own.map((n) => n.toLowerCase()));
        h = Object.fromEntries(Object.entries(headers).filter(([k]) => !drop.has(k.toLowerCase())));
      }
      url = next;
    }
  }

  /** One request; settles on the status line (the body is drained in the background). */
  private once(url: URL, payload: Buffer, headers: OutgoingHttpHeaders, timeout: number): Promise<Hop> {
    return new Promise((resolve) => {
      let settled = false;
      let req: ClientRequest | undefined;
      const finish = (r: Hop): void => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
      // after the status the timer only ends the drain: it reports nothing
      const timer = setTimeout(() => {
        const err = failure('TimeoutError', `no answer within ${this.timeout} ms`);
        req?.destroy(err);
        finish({ error: err });
      }, timeout).unref();
      try {
        req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
          method: 'POST',
          agent: this.agent(url.protocol),
          headers: { ...headers, 'content-length': payload.length },
        });
      } catch (err) {
        // node:http throws at once for a header it cannot send (ERR_INVALID_CHAR…)
        clearTimeout(timer);
        return finish({ error: err as Error, permanent: true });
      }
      req.on('error', (err) => {
        clearTimeout(timer);
        finish({ error: err });
      });
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const ra = res.headers['retry-after'];
        const location = res.headers.location;
        const hop: Hop = { status };
        if (ra !== undefined) hop.retryAfter = ra;
        if (location !== undefined) hop.location = location;
        finish(hop);
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > RESPONSE_DRAIN_MAX) res.destroy();
        });
        // a body cut short (an error here) changes nothing: the status was the answer
        res.on('error', () => clearTimeout(timer));
        res.on('close', () => clearTimeout(timer));
      });
      req.end(payload);
    });
  }

  /** Closes idle connections. */
  close(): void {
    for (const a of this.agents.values()) a.destroy();
  }
}
