/**
 * The one HTTP POST client of meterkit's senders (notify's HTTP sink, the remote writer): one
 * POST of one body over keep-alive connections. It only reports what happened (a status, or an
 * error); the caller decides what follows (a retry, a failure).
 *
 * - Settles on the status line. A 2xx (or a redirect) is the answer as soon as its status
 *   line arrives: a body that trickles or never ends after it is no failure (Prometheus and
 *   Go's http.Client return on the status too). For another status the first `textMax` bytes
 *   of the body are read for the caller's message, within what is left of the timeout; then the
 *   status is the answer, whatever the body does.
 * - The rest of an answer's body is read and thrown away in the background (so the connection
 *   can be reused), at most {@link DRAIN_MAX} bytes and within what is left of the timeout;
 *   then the connection is dropped.
 * - A status that arrived wins over a write error: a receiver may answer 413 before it has read
 *   the whole body and reset the connection; the 413 is the answer, not the reset.
 * - Redirects (`redirects` option, Go's http.Client for a POST): a 307 or 308 sends the same
 *   body with the same headers to `Location`, at most `max` hops; once a hop leaves the first
 *   URL's origin, the caller's `sensitive` headers (credentials) are no longer sent. A 301, 302
 *   or 303 is not followed (Go would turn the POST into a GET without the body): its status is
 *   returned. `redirects: null` follows nothing.
 * - The timeout covers the whole attempt (every hop), connecting to the status line, on a real
 *   timer (it bounds real I/O). An attempt never rejects: a request node:http refuses to build
 *   (a header it cannot send) is an error marked `permanent`.
 * - Error messages name the URL only through the one redaction rule (redact.ts).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { redactUrl } from '../core/redact.js';

/** Most answer bytes read before the connection is dropped instead of drained. */
export const DRAIN_MAX = 64 * 1024;

/**
 * How long a connection may stay idle before the client closes it, in ms: before a receiver's
 * own keep-alive timeout (Node's: 5 s) closes it under a request being sent, a race that would
 * cost a reset and a retry. (The agent destroys only free sockets on this timeout.)
 */
export const IDLE_MS = 4000;

/** Most redirects followed in one attempt by default, as Go's http.Client. */
export const MAX_REDIRECTS = 10;

/** Redirects that are followed: the ones that keep the method and the body. */
const FOLLOWED = new Set([307, 308]);

/** TLS settings of https: URLs. */
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

/** Options of a {@link PostClient}. */
export interface PostClientOptions {
  /** Time one attempt may take, every hop, connecting to the status line (ms). */
  timeout: number;
  /** TLS settings for https: URLs. */
  tls?: ClientTls;
  /** Connections per origin. Default: Node's (unbounded). */
  maxSockets?: number;
  /** Redirect policy. Default `{ max: MAX_REDIRECTS }`; null: none followed. */
  redirects?: { max: number } | null;
  /** Bytes of a non-2xx answer's body kept for messages. Default 0. */
  textMax?: number;
}

/** What one attempt got. */
export interface PostResult {
  /** The HTTP status, when an answer came (the last hop's, after redirects). */
  status?: number;
  /** The answer's `Retry-After` header, if any. */
  retryAfter?: string;
  /** The start of a non-2xx answer's body (when `textMax` > 0 and it sent one). */
  text?: string;
  /** Why no answer came (refused, reset, timeout, too many redirects…), when none did. */
  error?: Error;
  /** True when the request could not even be built (sending it again cannot help). */
  permanent?: boolean;
  /** Duration of the attempt in seconds. */
  seconds: number;
}

/** Per-request options of {@link PostClient.send}. */
export interface PostOptions {
  /** Names of headers not sent once a redirect leaves the first URL's origin (credentials). */
  sensitive?: readonly string[];
  /** Aborts the attempt (the caller closing). */
  signal?: AbortSignal;
}

interface Status {
  status: number;
  retryAfter?: string;
  location?: string;
  text?: string;
}

type Hop = Status | { error: Error; permanent?: boolean };

function failure(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/** POSTs bodies to one URL (and the URLs it redirects to). */
export class PostClient {
  private readonly agents = new Map<string, HttpAgent>();
  private readonly timeout: number;
  private readonly tls: ClientTls;
  private readonly maxSockets: number | undefined;
  private readonly maxRedirects: number;
  private readonly textMax: number;

  constructor(
    private readonly url: URL,
    o: PostClientOptions,
  ) {
    this.timeout = o.timeout;
    this.tls = o.tls ?? {};
    this.maxSockets = o.maxSockets;
    this.maxRedirects = o.redirects === null ? 0 : (o.redirects?.max ?? MAX_REDIRECTS);
    this.textMax = o.textMax ?? 0;
  }

  /** The keep-alive agent of a protocol (the URL's, or a redirect's). */
  private agent(protocol: string): HttpAgent {
    let a = this.agents.get(protocol);
    if (a === undefined) {
      const opts = { keepAlive: true, timeout: IDLE_MS, ...(this.maxSockets === undefined ? {} : { maxSockets: this.maxSockets }) };
      const t = this.tls;
      a =
        protocol === 'https:'
          ? new HttpsAgent({
              ...opts,
              ...(t.ca === undefined ? {} : { ca: t.ca }),
              ...(t.cert === undefined ? {} : { cert: t.cert }),
              ...(t.key === undefined ? {} : { key: t.key }),
              ...(t.serverName === undefined ? {} : { servername: t.serverName }),
              rejectUnauthorized: t.insecureSkipVerify !== true,
            })
          : new HttpAgent(opts);
      this.agents.set(protocol, a);
    }
    return a;
  }

  /** Sends `body` with `headers`, following redirects as configured; never rejects. */
  async send(body: Uint8Array | string, headers: OutgoingHttpHeaders, o: PostOptions = {}): Promise<PostResult> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    let url = this.url;
    let h = headers;
    for (let hops = 0; ; hops++) {
      const left = Math.max(1, this.timeout - (performance.now() - started));
      const r = await this.once(url, payload, h, left, o.signal);
      if ('error' in r) return r.permanent === true ? { error: r.error, permanent: true, seconds: seconds() } : { error: r.error, seconds: seconds() };
      if (this.maxRedirects === 0 || !FOLLOWED.has(r.status) || r.location === undefined) {
        const { status, retryAfter, text } = r;
        return { status, ...(retryAfter === undefined ? {} : { retryAfter }), ...(text === undefined ? {} : { text }), seconds: seconds() };
      }
      if (hops >= this.maxRedirects) return { error: failure('RedirectError', `stopped after ${this.maxRedirects} redirects from ${redactUrl(this.url.href)}`), seconds: seconds() };
      let next: URL;
      try {
        next = new URL(r.location, url);
      } catch (err) {
        return { error: failure('RedirectError', `a ${r.status} with a Location that is not a URL: ${(err as Error).message}`), seconds: seconds() };
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return { error: failure('RedirectError', `a ${r.status} to a ${next.protocol} URL`), seconds: seconds() };
      const sensitive = o.sensitive ?? [];
      if (next.origin !== this.url.origin && sensitive.length > 0 && h === headers) {
        const drop = new Set(sensitive.map((n) => n.toLowerCase()));
        h = Object.fromEntries(Object.entries(headers).filter(([k]) => !drop.has(k.toLowerCase())));
      }
      url = next;
    }
  }

  /** One request; settles on the status line (see the module comment). */
  private once(url: URL, payload: Uint8Array, headers: OutgoingHttpHeaders, timeout: number, signal: AbortSignal | undefined): Promise<Hop> {
    return new Promise((resolve) => {
      let settled = false;
      let req: ClientRequest | undefined;
      /** The status, once its line arrived: it wins over any later error. */
      let answer: Status | undefined;
      const finish = (r: Hop): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const stop = (err: Error): void => {
        clearTimeout(timer);
        req?.destroy(err);
        finish(answer ?? { error: err });
      };
      const onAbort = (): void => stop(failure('AbortError', 'aborted: the sender closed'));
      // after the status the timer only ends the text read and the drain
      const timer = setTimeout(() => stop(failure('TimeoutError', `no answer within ${this.timeout} ms`)), timeout).unref();
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
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
        finish(answer ?? { error: err });
      });
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const ra = res.headers['retry-after'];
        const location = res.headers.location;
        answer = { status, ...(ra === undefined ? {} : { retryAfter: ra }), ...(location === undefined ? {} : { location }) };
        const wantText = this.textMax > 0 && (status < 200 || status >= 300) && !FOLLOWED.has(status);
        if (!wantText) finish(answer);
        const kept: Buffer[] = [];
        let read = 0;
        const withText = (): void => {
          const text = Buffer.concat(kept).toString('utf8').trim();
          if (answer !== undefined && text !== '') answer.text = text;
          if (answer !== undefined) finish(answer);
        };
        res.on('data', (chunk: Buffer) => {
          if (wantText && read < this.textMax) {
            kept.push(chunk.subarray(0, this.textMax - read));
            if (read + chunk.length >= this.textMax) withText();
          }
          read += chunk.length;
          if (read > DRAIN_MAX) res.destroy();
        });
        // a body cut short changes nothing: the status was the answer
        res.on('error', withText);
        res.on('close', () => {
          clearTimeout(timer);
          withText();
        });
      });
      req.end(payload);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    for (const a of this.agents.values()) a.destroy();
  }
}
