/**
 * The proxy's figures as metrics, in one of two namings:
 * - `meterkit` (default): Prometheus conventions — counters for bytes and connections,
 *   gauges for what is true now, labels `server` and `backend` (`host:port`);
 * - `gobetween`: gobetween's exact names, labels (`server`, `host`, `port`) and types (all
 *   gauges, the totals included), so its dashboards work unchanged.
 * Totals are published from the proxy's own exact counts on every rate tick and on events;
 * removed backends and servers are unpublished.
 */
import type { Labels } from '../core/labels.js';
import { describeRows } from '../core/recorder.js';
import type { MetricRow, RemovingRecorder } from '../core/recorder.js';
import { Unit } from '../core/units.js';
import type { Backend } from './backend.js';
import type { ProxyServer, RejectReason } from './server.js';

/** Where the proxy records: a Registry is one (it can unpublish series). */
export type ProxyMetricsTarget = RemovingRecorder;

/** How the proxy's metrics are named. */
export type ProxyNaming = 'meterkit' | 'gobetween';


/** meterkit naming, per backend (`server`, `backend`). */
export const PROXY_BACKEND_METRICS = {
  connections: ['meterkit_proxy_connections_total', 'counter', Unit.Count, 'Connections the backend accepted.'],
  active: ['meterkit_proxy_active_connections', 'gauge', Unit.Count, 'Connections open now, connecting ones included.'],
  refused: ['meterkit_proxy_refused_connections_total', 'counter', Unit.Count, 'Connections the backend refused or did not accept within the connect timeout.'],
  rx: ['meterkit_proxy_rx_bytes_total', 'counter', Unit.Bytes, 'Bytes read from the backend and delivered to clients.'],
  tx: ['meterkit_proxy_tx_bytes_total', 'counter', Unit.Bytes, 'Bytes read from clients and delivered to the backend.'],
  rxRate: ['meterkit_proxy_rx_bytes_per_second', 'gauge', undefined, 'rx bytes per second, an exponentially weighted moving average over the rate window.'],
  txRate: ['meterkit_proxy_tx_bytes_per_second', 'gauge', undefined, 'tx bytes per second, an exponentially weighted moving average over the rate window.'],
  up: ['meterkit_proxy_backend_up', 'gauge', undefined, '1 when the backend takes new connections (health checks pass or none are set), else 0.'],
  checks: ['meterkit_proxy_health_checks_total', 'counter', Unit.Count, 'Health checks run, by result (pass or fail).'],
} as const satisfies Record<string, MetricRow>;

/** meterkit naming, per server (`server`). */
export const PROXY_SERVER_METRICS = {
  clients: ['meterkit_proxy_client_connections', 'gauge', Unit.Count, 'Client connections open now.'],
  rejected: ['meterkit_proxy_rejected_connections_total', 'counter', Unit.Count, 'Clients closed before reaching a backend, by reason: no_backend (none live) or max_connections.'],
  backends: ['meterkit_proxy_backends', 'gauge', Unit.Count, 'Backends configured.'],
} as const satisfies Record<string, MetricRow>;

// gobetween's names and help texts (src/metrics/metrics.go), typos included
const GB_SERVER = [
  ['gobetween_server_count', 'Server Count.'],
  ['gobetween_server_active_connections', 'Server Actice Connections.'],
  ['gobetween_server_rx_total', 'Server Rx Total.'],
  ['gobetween_server_tx_total', 'Server Tx Total.'],
  ['gobetween_server_rx_second', 'Server Rx per Second.'],
  ['gobetween_server_tx_second', 'Server Tx per Second.'],
] as const;
const GB_BACKEND = [
  ['gobetween_backend_active_connections', 'Backend Actice Connections.'],
  ['gobetween_backend_refused_connections', 'Backend Refused Connections.'],
  ['gobetween_backend_total_connections', 'Backend Total Connections.'],
  ['gobetween_backend_rx_bytes', 'Backend Rx Bytes.'],
  ['gobetween_backend_tx_bytes', 'Backend Tx Bytes.'],
  ['gobetween_backend_rx_second', 'Backend Rx per Second.'],
  ['gobetween_backend_tx_second', 'Backend Tx per Second.'],
  ['gobetween_backend_live', 'Backend Alive.'],
] as const;
/** gobetween's build info gauge. */
export const GOBETWEEN_BUILD_INFO = 'gobetween_build_info';

/** Publishes proxy figures into a target. */
export class ProxyMetrics {
  constructor(
    private readonly target: ProxyMetricsTarget,
    readonly naming: ProxyNaming,
    version: string,
  ) {
    if (naming === 'gobetween') {
      for (const [name, help] of [...GB_SERVER, ...GB_BACKEND]) target.describeGauge(name, undefined, help);
      target.describeGauge(GOBETWEEN_BUILD_INFO, undefined, "A metric with a constant '1' value labeled by version, revision, branch, and goversion from which gobetween was built.");
      // meterkit stands in for gobetween: its version, and the Node.js version where Go's would be
      target.registerGauge(GOBETWEEN_BUILD_INFO, { version, revision: '', branch: '', goversion: process.version }).set(1);
    } else {
      describeRows(target, [...Object.values(PROXY_BACKEND_METRICS), ...Object.values(PROXY_SERVER_METRICS)]);
    }
  }

  private backendLabels(server: ProxyServer, b: Backend): Labels {
    return this.naming === 'gobetween' ? { server: server.name, host: b.host, port: String(b.port) } : { server: server.name, backend: b.key };
  }

  private count(name: string, labels: Labels, total: number): void {
    this.target.registerCounter(name, labels).absolute(total);
  }

  private set(name: string, labels: Labels, v: number): void {
    this.target.registerGauge(name, labels).set(v);
  }

  /** Publishes every figure of `server` (on each rate tick). */
  publish(server: ProxyServer): void {
    const s = { server: server.name };
    let rx = 0;
    let tx = 0;
    let rxRate = 0;
    let txRate = 0;
    for (const b of server.backends()) {
      const l = this.backendLabels(server, b);
      rx += b.rx;
      tx += b.tx;
      rxRate += b.rxRate.value;
      txRate += b.txRate.value;
      if (this.naming === 'gobetween') {
        this.set('gobetween_backend_active_connections', l, b.active);
        this.set('gobetween_backend_refused_connections', l, b.refusedConnections);
        this.set('gobetween_backend_total_connections', l, b.totalConnections);
        this.set('gobetween_backend_rx_bytes', l, b.rx);
        this.set('gobetween_backend_tx_bytes', l, b.tx);
        // gobetween's per-second figures are whole numbers
        this.set('gobetween_backend_rx_second', l, Math.round(b.rxRate.value));
        this.set('gobetween_backend_tx_second', l, Math.round(b.txRate.value));
        this.set('gobetween_backend_live', l, b.live ? 1 : 0);
      } else {
        const m = PROXY_BACKEND_METRICS;
        this.count(m.connections[0], l, b.totalConnections);
        this.set(m.active[0], l, b.active);
        this.count(m.refused[0], l, b.refusedConnections);
        this.count(m.rx[0], l, b.rx);
        this.count(m.tx[0], l, b.tx);
        this.set(m.rxRate[0], l, b.rxRate.value);
        this.set(m.txRate[0], l, b.txRate.value);
        this.set(m.up[0], l, b.live ? 1 : 0);
      }
    }
    if (this.naming === 'gobetween') {
      this.set('gobetween_server_count', s, server.backends().length);
      this.set('gobetween_server_active_connections', s, server.activeClients());
      this.set('gobetween_server_rx_total', s, rx);
      this.set('gobetween_server_tx_total', s, tx);
      this.set('gobetween_server_rx_second', s, Math.round(rxRate));
      this.set('gobetween_server_tx_second', s, Math.round(txRate));
    } else {
      const m = PROXY_SERVER_METRICS;
      this.set(m.clients[0], s, server.activeClients());
      this.set(m.backends[0], s, server.backends().length);
      for (const reason of ['no_backend', 'max_connections'] as const) this.count(m.rejected[0], { ...s, reason }, server.rejected[reason]);
    }
  }

  /** A client was rejected: count it now rather than at the next tick. */
  rejected(server: ProxyServer, reason: RejectReason): void {
    if (this.naming === 'meterkit') this.count(PROXY_SERVER_METRICS.rejected[0], { server: server.name, reason }, server.rejected[reason]);
  }

  /** A health check ran. */
  checked(server: ProxyServer, b: Backend, ok: boolean): void {
    if (this.naming === 'meterkit') this.target.registerCounter(PROXY_BACKEND_METRICS.checks[0], { server: server.name, backend: b.key, result: ok ? 'pass' : 'fail' }).increment();
  }

  /** A backend flipped: publish its state now. */
  liveChanged(server: ProxyServer, b: Backend): void {
    const l = this.backendLabels(server, b);
    this.set(this.naming === 'gobetween' ? 'gobetween_backend_live' : PROXY_BACKEND_METRICS.up[0], l, b.live ? 1 : 0);
  }

  /** Unpublishes a removed backend's series. */
  removeBackend(server: ProxyServer, b: Backend): void {
    const l = this.backendLabels(server, b);
    if (this.naming === 'gobetween') {
      for (const [name] of GB_BACKEND) this.target.remove(name, l);
      return;
    }
    for (const [name] of Object.values(PROXY_BACKEND_METRICS)) this.target.remove(name, l);
    for (const result of ['pass', 'fail']) this.target.remove(PROXY_BACKEND_METRICS.checks[0], { ...l, result });
  }

  /** Unpublishes a removed server and its backends. */
  removeServer(server: ProxyServer): void {
    for (const b of server.backends()) this.removeBackend(server, b);
    const s = { server: server.name };
    if (this.naming === 'gobetween') {
      for (const [name] of GB_SERVER) this.target.remove(name, s);
      return;
    }
    this.target.remove(PROXY_SERVER_METRICS.clients[0], s);
    this.target.remove(PROXY_SERVER_METRICS.backends[0], s);
    for (const reason of ['no_backend', 'max_connections']) this.target.remove(PROXY_SERVER_METRICS.rejected[0], { ...s, reason });
  }
}
