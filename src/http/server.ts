import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { ErrorCode, MeterkitError } from '../core/errors.js';
export { parseHostPort } from '../core/address.js';

/** A request handler the server mounts on a path. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Credentials a request must carry. */
export interface AuthOptions {
  /** `Authorization: Bearer <token>`. */
  token?: string;
  /** `Authorization: Basic …` with this user and password. */
  basic?: { username: string; password: string };
}

/** Options of {@link HttpServer}. */
export interface HttpServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9464; 0 picks a free port. */
  port?: number;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Require credentials (bearer token or basic auth) on every path but `publicPaths`. */
  auth?: AuthOptions;
  /** Paths served without credentials. Default `['/healthz']` (it tells nothing but "ok"). */
  publicPaths?: readonly string[];
  /** Hears of handler errors (the request gets a 500). Default: a line on stderr. */
  onError?: (err: unknown) => void;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when `header` carries the credentials `auth` asks for. */
export function authorized(header: string | undefined, auth: AuthOptions): boolean {
  if (header === undefined) return false;
  const [scheme, value = ''] = header.split(/\s+/, 2);
  const s = (scheme ?? '').toLowerCase();
  if (s === 'bearer' && auth.token !== undefined) return same(value, auth.token);
  if (s === 'basic' && auth.basic !== undefined) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return false;
    // evaluate both, so the time taken tells nothing about which part was wrong
    const u = same(decoded.slice(0, i), auth.basic.username);
    const p = same(decoded.slice(i + 1), auth.basic.password);
    return u && p;
  }
  return false;
}

/**
 * The one HTTP(S) server the agent mounts handlers on. Binds 127.0.0.1:9464 unless told
 * otherwise; a handler that throws gets its request a 500, never a crash.
 */
export class HttpServer {
  private readonly routes = new Map<string, Handler>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly publicPaths: ReadonlySet<string>;
  private readonly onError: (err: unknown) => void;

  constructor(private readonly options: HttpServerOptions = {}) {
    const auth = options.auth;
    if (auth !== undefined && auth.token === undefined && auth.basic === undefined) {
      throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid auth options: give a token or basic credentials');
    }
    if (auth?.token !== undefined && auth.token.length === 0) {
      throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid auth token "": a bearer token must not be empty');
    }
    this.publicPaths = new Set(options.publicPaths ?? ['/healthz']);
    this.onError = options.onError ?? ((err) => process.stderr.write(`meterkit: http handler failed: ${String(err)}\n`));
    const listener = (req: IncomingMessage, res: ServerResponse): void => this.dispatch(req, res);
    this.server = options.tls ? createHttps({ cert: options.tls.cert, key: options.tls.key }, listener) : createHttp(listener);
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    // a malformed request gets a 400 and the connection closed; the server goes on
    this.server.on('clientError', (_err, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Mounts `handler` on an exact path (`/metrics`). */
  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    const handler = this.routes.get(path);
    if (handler === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}\nserved: ${[...this.routes.keys()].join(', ')}\n`);
      return;
    }
    const auth = this.options.auth;
    if (auth !== undefined && !this.publicPaths.has(path) && !authorized(req.headers.authorization, auth)) {
      const challenge = auth.basic !== undefined ? 'Basic realm="meterkit"' : 'Bearer realm="meterkit"';
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': challenge }).end('unauthorized: missing or wrong credentials\n');
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        this.onError(err);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('internal error\n');
        else res.destroy();
      });
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new MeterkitError('ERR_METERKIT_LISTEN', `cannot listen on ${this.options.host ?? '127.0.0.1'}:${this.options.port ?? 9464}: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen(this.options.port ?? 9464, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
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
