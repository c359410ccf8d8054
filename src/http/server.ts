import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { listenOn } from '../core/listen.js';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { Counter } from '../core/handles.js';
import { checkDuration, checkWhole } from '../core/options.js';
import type { Recorder } from '../core/recorder.js';
import type { AuthOptions } from './auth.js';
import { authorized, checkAuth } from './auth.js';
import { crossSiteRefusal } from './cross-site.js';
import type { TlsMaterial } from './tls.js';
import { checkTls } from './tls.js';

/** A request handler the server mounts on a path. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Counter of requests the server refuses, by `reason`. */
export const REJECTED_REQUESTS_METRIC = 'meterkit_http_rejected_requests_total';

/** Seconds a client refused for being one request too many is told to wait (`Retry-After`). */
export const RETRY_AFTER_SECONDS = 1;
/** Requests on capped paths served at once unless told otherwise. */
const DEFAULT_MAX_CONCURRENT = 16;

/** Why a request was refused: the `reason` label of {@link REJECTED_REQUESTS_METRIC}. */
export type RejectReason = 'busy' | 'unauthorized' | 'bad_request' | 'headers_too_large' | 'timeout' | 'method' | 'cross_site';

/** Options of {@link HttpServer}. */
export interface HttpServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9464; 0 picks a free port. */
  port?: number;
  /** PEM certificate and key: serve HTTPS. Checked in the constructor (`ERR_METERKIT_INVALID_TLS`). */
  tls?: TlsMaterial;
  /** Require credentials (bearer token or basic auth) on every path but `publicPaths`. */
  auth?: AuthOptions;
  /** Paths served without credentials and never capped. Default `['/healthz']` (it tells nothing but "ok"). */
  publicPaths?: readonly string[];
  /** Hears of handler errors (the request gets a 500). Default: a line on stderr. */
  onError?: (err: unknown) => void;
  /**
   * Requests on non-public paths handled at once; one more gets 503 with `Retry-After`.
   * Default 16. Bounds the memory and event-loop time that a burst of scrapes can take.
   */
  maxConcurrent?: number;
  /** Where {@link REJECTED_REQUESTS_METRIC} is counted (e.g. the agent's Registry). */
  metrics?: Recorder;
  /** ms a client has to send its request headers; then 408. Default 10 000. */
  headersTimeout?: number;
  /** ms a client has to send its whole request; then 408. Default 30 000, ≥ headersTimeout. */
  requestTimeout?: number;
  /** Bytes of request headers accepted; more gets 431. Default 16 384, from 1024 to 1 MiB. */
  maxHeaderSize?: number;
}

const TEXT = 'text/plain; charset=utf-8';
const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** Writes a whole response on a socket that has no ServerResponse (parse errors, CONNECT). */
function rawReply(socket: Duplex, status: number, body: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\nContent-Type: ${TEXT}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`);
}

/** What frees the `maxConcurrent` slot of each capped request in progress (see {@link leaveConcurrencyCap}). */
const slots = new WeakMap<ServerResponse, () => void>();

/**
 * Stops counting `res`'s request towards its server's `maxConcurrent`, for a long-lived
 * response (an event stream) that a limit of its own bounds: open streams must never take
 * every slot and starve scrapes. Call it once the response is established; a no-op for a
 * response that no {@link HttpServer} caps, or that left the cap already.
 */
export function leaveConcurrencyCap(res: ServerResponse): void {
  const release = slots.get(res);
  slots.delete(res);
  release?.();
}

/**
 * The one HTTP(S) server the agent mounts handlers on. Binds 127.0.0.1:9464 unless told
 * otherwise; a handler that throws gets its request a 500, never a crash.
 *
 * **Backpressure.** At most `maxConcurrent` requests on non-public paths run at once; the
 * next gets 503 with `Retry-After` at once, counted as `reason="busy"`. Public paths
 * (`/healthz`) are never capped, so a liveness probe stays fast while scrapes pile up. A
 * long-lived response bounded otherwise leaves the cap with {@link leaveConcurrencyCap}.
 * Slow or oversized request headers are cut off with 408 or 431.
 *
 * **Cross-site requests.** A request that changes state (any method but GET, HEAD, OPTIONS,
 * TRACE) sent by a page of another site gets 403 (see {@link crossSiteRefusal}), counted as
 * `reason="cross_site"`.
 */
export class HttpServer {
  private readonly routes = new Map<string, Handler>();
  private trees: ReadonlyArray<readonly [string, Handler]> = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly publicPaths: ReadonlySet<string>;
  private readonly onError: (err: unknown) => void;
  private maxConcurrent: number;
  private readonly rejected = new Map<RejectReason, Counter>();
  private inFlight = 0;

  /** @throws MeterkitError on a bad option, with `ERR_METERKIT_INVALID_TLS` for bad TLS material. */
  constructor(private readonly options: HttpServerOptions = {}) {
    if (options.auth !== undefined) checkAuth(options.auth);
    this.maxConcurrent = DEFAULT_MAX_CONCURRENT;
    this.setMaxConcurrent(options.maxConcurrent);
    const headersTimeout = options.headersTimeout === undefined ? 10_000 : checkDuration('headersTimeout', options.headersTimeout);
    const requestTimeout = options.requestTimeout === undefined ? Math.max(30_000, headersTimeout) : checkDuration('requestTimeout', options.requestTimeout);
    if (requestTimeout < headersTimeout) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid requestTimeout ${requestTimeout}: it must be ≥ headersTimeout (${headersTimeout} ms)`);
    }
    const maxHeaderSize = options.maxHeaderSize === undefined ? 16_384 : checkWhole('maxHeaderSize', options.maxHeaderSize, { min: 1024, max: 1_048_576 });
    this.publicPaths = new Set(options.publicPaths ?? ['/healthz']);
    this.onError = options.onError ?? ((err) => process.stderr.write(`meterkit: http handler failed: ${String(err)}\n`));
    if (options.metrics !== undefined) {
      options.metrics.describeCounter(REJECTED_REQUESTS_METRIC, undefined, 'HTTP requests the server refused, by reason');
      this.count('busy', 0); // present from the start, so rate() and alerts see it
    }
    const http = {
      headersTimeout,
      requestTimeout,
      maxHeaderSize,
      // Node checks the two timeouts on this interval (default 30 s): make them about exact
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))),
    };
    const listener = (req: IncomingMessage, res: ServerResponse): void => this.dispatch(req, res);
    const tls = options.tls;
    if (tls !== undefined) checkTls(tls);
    this.server = tls ? createHttps({ ...http, cert: tls.cert, key: tls.key }, listener) : createHttp(http, listener);
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    // bad input from the network gets a status and a closed connection; the server goes on
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.clientError(err, socket));
    // without a listener Node drops a CONNECT silently; say that this is no proxy
    this.server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      this.count('method');
      rawReply(socket, 405, 'method CONNECT not allowed: this is not a proxy\n', 'Allow: GET, HEAD\r\n');
    });
  }

  private count(reason: RejectReason, n = 1): void {
    const metrics = this.options.metrics;
    if (metrics === undefined) return;
    let c = this.rejected.get(reason);
    if (c === undefined) {
      c = metrics.registerCounter(REJECTED_REQUESTS_METRIC, { reason });
      this.rejected.set(reason, c);
    }
    c.increment(n);
  }

  private clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    // a reset, or a failure after a response began on this socket: nothing sensible to send
    const busy = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || busy) {
      socket.destroy();
      return;
    }
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      this.count('headers_too_large');
      rawReply(socket, 431, 'request headers too large\n');
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      this.count('timeout');
      rawReply(socket, 408, 'request not received in time\n');
    } else {
      this.count('bad_request');
      rawReply(socket, 400, 'malformed request\n');
    }
  }

  /** Mounts `handler` on an exact path (`/metrics`). */
  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  /**
   * Mounts `handler` on a path and every path under it (`/servers`, `/servers/a/stats`), for
   * REST APIs. An exact route wins over a tree; the longest tree wins over a shorter one.
   */
  routeTree(prefix: string, handler: Handler): this {
    const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    this.trees = [...this.trees.filter(([q]) => q !== p), [p, handler] as const].sort((a, b) => b[0].length - a[0].length);
    return this;
  }

  private handlerFor(path: string): Handler | undefined {
    const exact = this.routes.get(path);
    if (exact !== undefined) return exact;
    for (const [p, h] of this.trees) if (path === p || path.startsWith(`${p}/`)) return h;
    return undefined;
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    const handler = this.handlerFor(path);
    // says nothing about what is served, and comes before auth: probing paths reveals nothing
    if (handler === undefined) {
      res.writeHead(404, { 'Content-Type': TEXT }).end('not found\n');
      return;
    }
    const open = this.publicPaths.has(path);
    const auth = this.options.auth;
    if (auth !== undefined && !open && !authorized(req.headers.authorization, auth)) {
      this.count('unauthorized');
      const challenge = auth.basic !== undefined ? 'Basic realm="meterkit"' : 'Bearer realm="meterkit"';
      res.writeHead(401, { 'Content-Type': TEXT, 'WWW-Authenticate': challenge }).end('unauthorized: missing or wrong credentials\n');
      return;
    }
    // every state-changing route (reload, replay, proxy and notify writes), in one place
    const crossSite = crossSiteRefusal(req);
    if (crossSite !== null) {
      this.count('cross_site');
      req.resume();
      res.writeHead(403, { 'Content-Type': TEXT }).end(`forbidden: ${crossSite}\n`);
      return;
    }
    if (!open) {
      if (this.inFlight >= this.maxConcurrent) {
        this.count('busy');
        res
          .writeHead(503, { 'Content-Type': TEXT, 'Retry-After': String(RETRY_AFTER_SECONDS) })
          .end(`busy: ${this.inFlight} requests in progress, the most this server handles at once (maxConcurrent); retry in ${RETRY_AFTER_SECONDS} s\n`);
        return;
      }
      this.inFlight++;
      let held = true;
      const release = (): void => {
        if (held) this.inFlight--;
        held = false;
      };
      slots.set(res, release);
      // 'close' comes once, whether the response finished or the client went away
      res.once('close', release);
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        this.onError(err);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': TEXT }).end('internal error\n');
        else res.destroy();
      });
  }

  /** Requests on non-public paths in progress now. */
  get inProgress(): number {
    return this.inFlight;
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return listenOn(this.server, this.options.host ?? '127.0.0.1', this.options.port ?? 9464);
  }

  /** The bound address (after listen). */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  url(): string {
    const a = this.address();
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `${this.options.tls ? 'https' : 'http'}://${host}:${a.port}`;
  }

  /**
   * Changes how many requests run at once (a config reload): those under way finish, the next
   * ones are held to the new cap; no connection is closed. `undefined`: the default (16).
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad number (nothing changed then).
   */
  setMaxConcurrent(n: number | undefined): void {
    this.maxConcurrent = n === undefined ? DEFAULT_MAX_CONCURRENT : checkWhole('maxConcurrent', n);
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
