/**
 * One proxy server: accepts clients on its bind address, picks a backend by its strategy
 * among the live backends of the best priority, and joins the two (see connection.ts).
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect, createServer as createTcpServer, isIPv4 } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { listenOn } from '../core/listen.js';
import { Backend, backendKey } from './backend.js';
import type { CloseReason } from './connection.js';
import { ProxiedConnection } from './connection.js';
import { HealthChecker } from './health.js';
import type { BackendOptions, ServerSettings } from './options.js';
import { checkBackend } from './options.js';
import type { Strategy } from './strategy.js';
import { createStrategy } from './strategy.js';

/** JSON.stringify replacer: a RegExp compares by its source and flags. */
function regexText(_key: string, v: unknown): unknown {
  return v instanceof RegExp ? v.toString() : v;
}

/** Why a client was closed before reaching a backend. */
export type RejectReason = 'no_backend' | 'max_connections';

/** What a server tells whoever publishes its figures (see metrics.ts). */
export interface ServerEvents {
  /** A client was closed before reaching a backend. */
  rejected(server: ProxyServer, reason: RejectReason): void;
  /** A backend was removed and has no connection left: unpublish it. */
  backendGone(server: ProxyServer, backend: Backend): void;
  /** A backend flipped live or down. */
  liveChanged(server: ProxyServer, backend: Backend): void;
  /** One health check result. */
  checked(server: ProxyServer, backend: Backend, ok: boolean): void;
}

/** The PROXY protocol v1 header for a client connection (TCP4 or TCP6). */
export function proxyV1Header(client: Socket): string {
  const src = client.remoteAddress ?? '';
  const dst = client.localAddress ?? '';
  const v4 = (a: string): string | null => (isIPv4(a) ? a : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)?.[1] ?? null);
  const s4 = v4(src);
  const d4 = v4(dst);
  if (s4 !== null && d4 !== null) return `PROXY TCP4 ${s4} ${d4} ${client.remotePort ?? 0} ${client.localPort ?? 0}\r\n`;
  return `PROXY TCP6 ${src} ${dst} ${client.remotePort ?? 0} ${client.localPort ?? 0}\r\n`;
}

/** Options of {@link ProxyServer.reconfigure}. */
export interface ReconfigureOptions {
  /**
   * Bring back a removed backend whose connections are still open, as the same object, instead
   * of refusing it: for putting back settings that were in force (the undo of a failed reload).
   */
  revive?: boolean;
}

/** A running proxy server (made by {@link Proxy.addServer}). */
export class ProxyServer {
  readonly name: string;
  private readonly backendList: Backend[] = [];
  private strategy: Strategy;
  private current: ServerSettings;
  private checker: HealthChecker | null;
  /** Open connections and the backend each goes to. */
  private readonly connections = new Map<ProxiedConnection, Backend>();
  /** Clients accepted and not yet closed (connecting ones included). */
  private clients = 0;
  private readonly listener: Server;
  private address: AddressInfo | null = null;
  private closing = false;
  /** True while {@link ProxyServer.listen} waits for the bind. */
  private binding = false;
  private readonly drained = new Set<() => void>();
  /** Clients closed before reaching a backend, by reason. */
  readonly rejected: Record<RejectReason, number> = { no_backend: 0, max_connections: 0 };
  /** When the last rate tick ran. */
  private lastTick: number;

  constructor(
    settings: ServerSettings,
    private readonly events: ServerEvents,
    private readonly rateWindowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.current = settings;
    this.name = settings.name;
    this.strategy = createStrategy(settings.strategy);
    this.checker = this.makeChecker(settings);
    for (const b of settings.backends) this.backendList.push(this.makeBackend(b));
    const onClient = (s: Socket): void => this.accept(s);
    this.listener = settings.tls
      ? createTlsServer({ cert: settings.tls.cert, key: settings.tls.key, allowHalfOpen: true }, onClient)
      : createTcpServer({ allowHalfOpen: true }, onClient);
    // a client that breaks off the TLS handshake is its own affair
    this.listener.on('tlsClientError', (_err: Error, s: Socket) => s.destroy());
    this.lastTick = now();
  }

  /** The settings in force (new clients get them; open connections keep the ones they started with). */
  get settings(): ServerSettings {
    return this.current;
  }

  private makeChecker(settings: ServerSettings): HealthChecker | null {
    return settings.healthcheck === null
      ? null
      : new HealthChecker(
          settings.healthcheck,
          (b) => this.events.liveChanged(this, b),
          (b, ok) => this.events.checked(this, b, ok),
        );
  }

  /** A removed backend of `key` whose connections are still open (its series are still published). */
  private draining(key: string): Backend | undefined {
    for (const b of this.connections.values()) if (b.removed && b.key === key) return b;
    return undefined;
  }

  /**
   * Checks that {@link ProxyServer.reconfigure} would take `next`, changing nothing: the name is
   * the same, the server is not closed and (unless `revive`) no backend to add is still draining.
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT`, `ERR_METERKIT_PROXY_CLOSED`.
   */
  checkReconfigure(next: ServerSettings, options: ReconfigureOptions = {}): void {
    if (this.closing) throw new MeterkitError(ErrorCode.ProxyClosed, `proxy server "${this.name}" is closed: it takes no new settings`);
    if (next.name !== this.name) throw new MeterkitError(ErrorCode.InvalidArgument, `proxy server "${this.name}" cannot be renamed to "${next.name}"`);
    if (options.revive === true) return;
    for (const b of next.backends) {
      const key = backendKey(b.host, b.port);
      if (this.backendList.some((x) => x.key === key) || this.draining(key) === undefined) continue;
      throw new MeterkitError(ErrorCode.InvalidArgument, `backend ${key} was removed from proxy server "${this.name}" and is still draining: add it again once its connections close`);
    }
  }

  /**
   * Applies new settings while running, without touching open connections: backends are added,
   * removed (their connections go on) or re-weighted in place; the strategy, health checks,
   * timeouts, connection limit and PROXY header apply to the next clients. What only a new
   * listener could change (bind address, TLS, accounting) is left as it was and named in the
   * result, for the caller to report as "needs a restart". New health-check settings keep what
   * the checks know (each backend's live state and streak) and check at once; dropping the
   * checks makes every backend live. With `revive` (putting back settings that were in force),
   * a backend still draining comes back as the same object, its connections and totals with it.
   * @throws MeterkitError as {@link ProxyServer.checkReconfigure} (nothing changed then).
   */
  async reconfigure(next: ServerSettings, options: ReconfigureOptions = {}): Promise<string[]> {
    this.checkReconfigure(next, options);
    const wanted = new Map(next.backends.map((b) => [backendKey(b.host, b.port), b]));
    const restart: string[] = [];
    if (next.host !== this.current.host || next.port !== this.current.port) restart.push('bind');
    if (next.tls?.source !== this.current.tls?.source) restart.push('tls');
    if (next.accounting !== this.current.accounting) restart.push('accounting');
    const strategyChanged = next.strategy !== this.current.strategy;
    const sameCheck = JSON.stringify(next.healthcheck, regexText) === JSON.stringify(this.current.healthcheck, regexText);
    this.current = { ...next, host: this.current.host, port: this.current.port, tls: this.current.tls, accounting: this.current.accounting };
    if (strategyChanged) this.strategy = createStrategy(next.strategy);
    for (const b of [...this.backendList]) if (!wanted.has(b.key)) this.removeBackend(b.key);
    for (const [key, o] of wanted) {
      let b = this.backendList.find((x) => x.key === key);
      if (b === undefined) {
        // checked above: a draining one is here only with `revive`
        const back = this.draining(key);
        b = back === undefined ? this.addBackend(o) : this.revive(back);
      }
      b.weight = o.weight;
      b.priority = o.priority;
    }
    if (sameCheck) return restart;
    // swapped before any await: a close() that comes meanwhile closes the new checker
    const old = this.checker;
    this.checker = this.makeChecker(next);
    for (const b of this.backendList) {
      // the new checker takes over what the old one knew; with no checks every backend takes connections
      if (this.checker === null) {
        b.streak = 0;
        if (!b.live) {
          b.live = true;
          this.events.liveChanged(this, b);
        }
      } else this.checker.watch(b);
    }
    await old?.close();
    return restart;
  }

  /** Puts a removed backend whose connections are still open back in the list. */
  private revive(b: Backend): Backend {
    b.removed = false;
    this.backendList.push(b);
    if (this.checker !== null) this.checker.watch(b);
    else if (!b.live) {
      // down when checks it had were dropped meanwhile: with no checks every backend takes connections
      b.streak = 0;
      b.live = true;
      this.events.liveChanged(this, b);
    }
    return b;
  }

  private makeBackend(b: Required<BackendOptions>): Backend {
    // with health checks a backend starts live (as gobetween) and the first check runs at once
    return new Backend(b.host, b.port, b.weight, b.priority, this.rateWindowMs, true);
  }

  /** Listens. @throws MeterkitError `ERR_METERKIT_LISTEN` when the address is taken, `ERR_METERKIT_PROXY_CLOSED` once closed. */
  async listen(): Promise<AddressInfo> {
    if (this.closing) throw new MeterkitError(ErrorCode.ProxyClosed, `proxy server "${this.name}" is closed: it does not listen again`);
    this.binding = true;
    let address: AddressInfo;
    try {
      address = await listenOn(this.listener, this.settings.host, this.settings.port);
    } finally {
      this.binding = false;
    }
    if (this.closing) {
      // closed while the bind was under way: the close() then found nothing to stop
      this.listener.close();
      throw new MeterkitError(ErrorCode.ProxyClosed, `proxy server "${this.name}" was closed while it started listening`);
    }
    this.address = address;
    for (const b of this.backendList) this.checker?.watch(b);
    return this.address;
  }

  /** The bound address (after {@link ProxyServer.listen}). */
  boundAddress(): AddressInfo {
    if (this.address === null) throw new MeterkitError(ErrorCode.InvalidArgument, `proxy server "${this.name}" is not listening`);
    return this.address;
  }

  /** The backends, in the order they were added (removed ones are gone). */
  backends(): readonly Backend[] {
    return this.backendList;
  }

  /** Clients connected now (connecting ones included). */
  activeClients(): number {
    return this.clients;
  }

  /**
   * Adds a backend at run time.
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` for a bad or duplicate backend, or
   *   one removed whose connections are still open.
   */
  addBackend(o: BackendOptions | string): Backend {
    const spec = checkBackend(o);
    const key = backendKey(spec.host, spec.port);
    if (this.backendList.some((b) => b.key === key)) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `backend ${key} is already in proxy server "${this.name}"`);
    }
    // Its series are still the removed backend's until its last connection ends: two backends
    // under one label set would mix their totals (and the old one's end would unpublish the new).
    const draining = this.draining(key);
    if (draining !== undefined) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `backend ${key} was removed from proxy server "${this.name}" and is still draining (${draining.active} open connections): add it again once they close`);
    }
    const b = this.makeBackend(spec);
    this.backendList.push(b);
    this.checker?.watch(b);
    return b;
  }

  /** Removes a backend: it gets no new clients; its connections go on. False when unknown. */
  removeBackend(key: string): boolean {
    const i = this.backendList.findIndex((b) => b.key === key);
    if (i < 0) return false;
    const b = this.backendList[i] as Backend;
    this.backendList.splice(i, 1);
    this.checker?.unwatch(b);
    b.removed = true;
    if (b.active === 0) this.events.backendGone(this, b);
    return true;
  }

  /** The live backends of the best (lowest) priority, sorted by address. */
  private candidates(): Backend[] {
    let best = Infinity;
    for (const b of this.backendList) if (b.live && b.priority < best) best = b.priority;
    const out = this.backendList.filter((b) => b.live && b.priority === best);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private reject(client: Socket, reason: RejectReason): void {
    this.rejected[reason]++;
    this.events.rejected(this, reason);
    client.on('error', () => undefined); // the client may reset while we close it: nothing to tell
    // a reset, not a FIN: a client must not take "no backend" for an empty reply
    client.resetAndDestroy();
  }

  private accept(client: Socket): void {
    if (this.closing) {
      client.destroy();
      return;
    }
    const max = this.settings.maxConnections;
    if (max > 0 && this.clients >= max) return this.reject(client, 'max_connections');
    const candidates = this.candidates();
    if (candidates.length === 0) return this.reject(client, 'no_backend');
    const b = this.strategy.pick(candidates, client.remoteAddress ?? '');
    client.setNoDelay(true);
    const backend = connect({ host: b.host, port: b.port, allowHalfOpen: true, noDelay: true });
    let preamble = 0;
    if (this.settings.proxyProtocol) {
      const header = proxyV1Header(client);
      preamble = Buffer.byteLength(header);
      backend.write(header);
    }
    this.clients++;
    // counted active while connecting, so least-connections sees it at once
    b.active++;
    const s = this.settings;
    const conn = new ProxiedConnection(
      client,
      backend,
      preamble,
      { connect: s.connectTimeout, clientIdle: s.clientIdleTimeout, backendIdle: s.backendIdleTimeout },
      () => {
        b.totalConnections++;
      },
      (c, reason, connected) => this.closed(c, b, reason, connected),
    );
    this.connections.set(conn, b);
  }

  private closed(c: ProxiedConnection, b: Backend, reason: CloseReason, connected: boolean): void {
    this.connections.delete(c);
    this.clients--;
    b.active--;
    // refused: the backend failed the connect or let it time out; a client that left first, or
    // a shutdown, is no fault of the backend's
    if (!connected && (reason === 'backend_error' || reason === 'connect_timeout')) b.refusedConnections++;
    else if (this.settings.accounting) {
      const d = c.sample();
      b.rx += d.rx;
      b.tx += d.tx;
      b.tickRx += d.rx;
      b.tickTx += d.tx;
    }
    if (b.removed && b.active === 0) this.events.backendGone(this, b);
    if (this.connections.size === 0) for (const done of this.drained) done();
  }

  /**
   * Folds the bytes every open connection delivered since the last tick into its backend's
   * totals, and updates the rates. The owner calls it on its rate tick.
   */
  tick(): void {
    const now = this.now();
    const dt = now - this.lastTick;
    this.lastTick = now;
    if (this.settings.accounting) {
      for (const [c, b] of this.connections) {
        if (!c.connected) continue;
        const d = c.sample();
        b.rx += d.rx;
        b.tx += d.tx;
        b.tickRx += d.rx;
        b.tickTx += d.tx;
      }
    }
    for (const b of this.backendList) {
      b.rxRate.update(b.tickRx, dt);
      b.txRate.update(b.tickTx, dt);
      b.tickRx = 0;
      b.tickTx = 0;
    }
  }

  /**
   * Stops accepting, lets open connections finish for up to `graceMs`, then closes the rest,
   * and stops the health checks. Resolves when every connection is closed.
   */
  async close(graceMs = 0): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      // a close() during the bind would cancel it without a word (listen() would never
      // settle): listen() closes the listener itself once bound
      if (!this.binding) this.listener.close();
    }
    await this.checker?.close();
    if (this.connections.size > 0 && graceMs > 0) {
      await new Promise<void>((resolve) => {
        // ref'd on purpose: a shutdown waits out its grace period
        const timer = setTimeout(finish, graceMs);
        function finish(): void {
          clearTimeout(timer);
          resolve();
        }
        this.drained.add(finish);
      });
    }
    if (this.connections.size > 0) {
      const all = new Promise<void>((resolve) => this.drained.add(resolve));
      for (const c of this.connections.keys()) c.abort('shutdown');
      await all;
    }
    this.drained.clear();
    this.tick();
  }
}
