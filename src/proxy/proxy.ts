/**
 * The proxy: several servers in one process, one rate tick for all, their figures published
 * as metrics. `meterkit proxy` and `meterkit agent --proxy-bind` run one inside the agent.
 */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration } from '../core/options.js';
import type { ProxyMetricsTarget, ProxyNaming } from './metrics.js';
import { ProxyMetrics } from './metrics.js';
import type { ProxyServerOptions } from './options.js';
import { checkServerOptions } from './options.js';
import type { ReconfigureOptions } from './server.js';
import { ProxyServer } from './server.js';
import type { Backend } from './backend.js';

/** Options of {@link Proxy}. */
export interface ProxyOptions {
  /** Where the figures go (a Registry); none: no metrics (the REST view still has them). */
  metrics?: ProxyMetricsTarget;
  /** `meterkit` (default) or `gobetween` names (see README "Proxy metrics"). */
  naming?: ProxyNaming;
  /** ms between rate ticks, when open connections' bytes are folded in and published. Default 1000. */
  tick?: number;
  /** The rates' window (EWMA time constant), ms. Default 5000. */
  rateWindow?: number;
  /** Reported as `version` of `gobetween_build_info` in gobetween naming. */
  version?: string;
  /** Injected clock (tests). Default Date.now. */
  now?: () => number;
  /** Called when a health check flips a backend live or dead (the agent turns it into a notification). Must not throw. */
  onLiveChange?: (server: ProxyServer, backend: Backend) => void;
}

/** Several proxy servers with shared accounting. */
export class Proxy {
  private readonly map = new Map<string, ProxyServer>();
  private readonly metrics: ProxyMetrics | null;
  private readonly timer: NodeJS.Timeout;
  private readonly rateWindow: number;
  private readonly now: () => number;
  private readonly onLiveChange: ((server: ProxyServer, backend: Backend) => void) | undefined;
  /** Set by {@link Proxy.close}: no server starts or changes after it. */
  private closed = false;

  constructor(options: ProxyOptions = {}) {
    const naming = options.naming ?? 'meterkit';
    if (naming !== 'meterkit' && naming !== 'gobetween') {
      throw new MeterkitError(ErrorCode.InvalidArgument, `unknown proxy naming ${describeValue(naming)}: use meterkit or gobetween`);
    }
    const tick = checkDuration('proxy tick', options.tick ?? 1000);
    this.rateWindow = checkDuration('proxy rate window', options.rateWindow ?? 5000);
    this.now = options.now ?? Date.now;
    this.onLiveChange = options.onLiveChange;
    this.metrics = options.metrics === undefined ? null : new ProxyMetrics(options.metrics, naming, options.version ?? '0.0.0');
    this.timer = setInterval(() => this.tick(), tick);
    // the tick alone does not keep the process alive: the servers' listeners do
    this.timer.unref();
  }

  /** Folds in every open connection's bytes, updates the rates and publishes (the timer calls it). */
  tick(): void {
    for (const s of this.map.values()) {
      s.tick();
      this.metrics?.publish(s);
    }
  }

  /**
   * Checks, starts and listens a server.
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` for bad options or a name in use,
   *   `ERR_METERKIT_INVALID_TLS`, `ERR_METERKIT_LISTEN` when the bind address is taken,
   *   `ERR_METERKIT_PROXY_CLOSED` after {@link Proxy.close} (also when it comes while binding).
   */
  async addServer(options: ProxyServerOptions): Promise<ProxyServer> {
    this.refuseClosed();
    const settings = checkServerOptions(options);
    if (this.map.has(settings.name)) throw new MeterkitError(ErrorCode.InvalidArgument, `proxy server "${settings.name}" already exists: names are unique`);
    const m = this.metrics;
    const server = new ProxyServer(
      settings,
      {
        rejected: (s, reason) => m?.rejected(s, reason),
        backendGone: (s, b) => m?.removeBackend(s, b),
        liveChanged: (s, b) => {
          m?.liveChanged(s, b);
          this.onLiveChange?.(s, b);
        },
        checked: (s, b, ok) => m?.checked(s, b, ok),
      },
      this.rateWindow,
      this.now,
    );
    this.map.set(settings.name, server);
    try {
      // a close() during the bind closes this server too: listen() then refuses
      await server.listen();
    } catch (err) {
      this.map.delete(settings.name);
      await server.close();
      throw err;
    }
    m?.publish(server);
    return server;
  }

  /** One server by name. */
  server(name: string): ProxyServer | undefined {
    return this.map.get(name);
  }

  /** Every server, in the order added. */
  servers(): ProxyServer[] {
    return [...this.map.values()];
  }

  /** Stops a server (its connections get `graceMs` to finish) and unpublishes it. False when unknown. */
  async removeServer(name: string, graceMs = 0): Promise<boolean> {
    const s = this.map.get(name);
    if (s === undefined) return false;
    this.map.delete(name);
    await s.close(graceMs);
    this.metrics?.removeServer(s);
    return true;
  }

  private refuseClosed(): void {
    if (this.closed) throw new MeterkitError(ErrorCode.ProxyClosed, 'the proxy is closed: it starts and changes no servers');
  }

  /**
   * Checks that {@link Proxy.reconfigure} would take `servers`, changing nothing: each server's
   * options, unique names, and each running server's own rules (see
   * {@link ProxyServer.checkReconfigure}: a backend still draining is refused unless `revive`).
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the server, `ERR_METERKIT_PROXY_CLOSED`.
   */
  check(servers: readonly ProxyServerOptions[], options: ReconfigureOptions = {}): void {
    this.refuseClosed();
    const names = new Set<string>();
    for (const s of servers.map(checkServerOptions)) {
      if (names.has(s.name)) throw new MeterkitError(ErrorCode.InvalidArgument, `proxy server "${s.name}" is given twice: names are unique`);
      names.add(s.name);
      this.map.get(s.name)?.checkReconfigure(s, options);
    }
  }

  /**
   * Makes the running servers match `servers` without dropping open connections, all or
   * nothing: every server's settings are checked first ({@link Proxy.check}); then new ones are
   * added (listening) — when one cannot listen, those added are stopped again and the error is
   * thrown with nothing changed — then the others are reconfigured in place
   * ({@link ProxyServer.reconfigure}, which cannot refuse checked settings) and those not listed
   * are removed (their connections get `graceMs`). `revive` puts back settings that were in
   * force: a backend still draining comes back as it was. Resolves with what only a restart can
   * change, as `server "web": bind`.
   * @throws MeterkitError as {@link Proxy.check} and {@link Proxy.addServer}.
   */
  async reconfigure(servers: readonly ProxyServerOptions[], graceMs = 0, options: ReconfigureOptions = {}): Promise<string[]> {
    this.check(servers, options);
    const settings = servers.map(checkServerOptions);
    const added: string[] = [];
    try {
      for (const [i, s] of settings.entries()) {
        if (this.map.has(s.name)) continue;
        await this.addServer(servers[i] as ProxyServerOptions);
        added.push(s.name);
      }
      // a close() during the adds: change nothing more
      this.refuseClosed();
    } catch (err) {
      for (const name of added) await this.removeServer(name);
      throw err;
    }
    const restart: string[] = [];
    for (const s of settings) {
      if (added.includes(s.name)) continue;
      const server = this.map.get(s.name) as ProxyServer;
      // checked above; a backend that began draining since (a REST removal) comes back as it was
      for (const what of await server.reconfigure(s, { revive: true })) restart.push(`server "${s.name}": ${what}`);
      this.metrics?.publish(server);
    }
    const names = new Set(settings.map((s) => s.name));
    for (const name of [...this.map.keys()]) if (!names.has(name)) await this.removeServer(name, graceMs);
    return restart;
  }

  /** Stops every server: no new clients; open connections get `graceMs`, then are closed. */
  async close(graceMs = 0): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const all = [...this.map.values()];
    await Promise.all(all.map((s) => s.close(graceMs)));
    for (const s of all) this.metrics?.publish(s);
  }
}
