/**
 * The proxy's REST API, mounted on the agent's HTTP server under `/servers` (same auth):
 * - `GET /servers`: every server's settings, by name;
 * - `GET /servers/:name`: one server's settings;
 * - `GET /servers/:name/stats`: its figures in gobetween's JSON shape;
 * - `POST /servers/:name/backends` (JSON `{host, port, weight?, priority?}`): adds a backend;
 * - `DELETE /servers/:name/backends/:hostport`: removes one (its open connections go on).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeterkitError } from '../core/errors.js';
import { BadRequest, readJson, sendError, sendJson } from '../http/body.js';
import { allowMethods } from '../http/health.js';
import type { Handler } from '../http/server.js';
import type { Backend } from './backend.js';
import { backendKey } from './backend.js';
import type { BackendOptions } from './options.js';
import type { Proxy } from './proxy.js';
import type { ProxyServer } from './server.js';

/** A server's settings as JSON (TLS material left out: only whether TLS is on). */
export function serverJson(s: ProxyServer): Record<string, unknown> {
  const o = s.settings;
  const hc = o.healthcheck;
  const a = s.boundAddress();
  return {
    name: o.name,
    bind: backendKey(a.address, a.port),
    strategy: o.strategy,
    max_connections: o.maxConnections,
    connect_timeout_ms: o.connectTimeout,
    client_idle_timeout_ms: o.clientIdleTimeout,
    backend_idle_timeout_ms: o.backendIdleTimeout,
    tls: o.tls !== null,
    proxy_protocol: o.proxyProtocol ? 1 : 0,
    healthcheck:
      hc === null
        ? { kind: 'none' }
        : {
            kind: hc.kind,
            interval_ms: hc.interval,
            timeout_ms: hc.timeout,
            fails: hc.fails,
            passes: hc.passes,
            ...(hc.kind === 'probe' ? { send: Buffer.from(hc.send).toString('latin1'), expect: String(hc.expect) } : {}),
            ...(hc.kind === 'exec' ? { command: hc.command, args: hc.args ?? [] } : {}),
          },
    backends: s.backends().map((b) => ({ host: b.host, port: b.port, weight: b.weight, priority: b.priority })),
  };
}

/** gobetween's backend JSON (core/backend.go): the port a string, the figures under `stats`. */
function backendStats(b: Backend): Record<string, unknown> {
  return {
    host: b.host,
    port: String(b.port),
    priority: b.priority,
    weight: b.weight,
    stats: {
      live: b.live,
      discovered: !b.removed,
      total_connections: b.totalConnections,
      active_connections: b.active,
      refused_connections: b.refusedConnections,
      rx: b.rx,
      tx: b.tx,
      // gobetween's per-second figures are whole numbers
      rx_second: Math.round(b.rxRate.value),
      tx_second: Math.round(b.txRate.value),
    },
  };
}

/** gobetween's `GET /servers/:name/stats` document. */
export function statsJson(s: ProxyServer): Record<string, unknown> {
  let rx = 0;
  let tx = 0;
  let rxs = 0;
  let txs = 0;
  for (const b of s.backends()) {
    rx += b.rx;
    tx += b.tx;
    rxs += b.rxRate.value;
    txs += b.txRate.value;
  }
  return { active_connections: s.activeClients(), rx_total: rx, tx_total: tx, rx_second: Math.round(rxs), tx_second: Math.round(txs), backends: s.backends().map(backendStats) };
}

function backendBody(body: unknown): BackendOptions {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(400, 'send a JSON object {"host": "…", "port": …, "weight"?: …, "priority"?: …}');
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['host', 'port', 'weight', 'priority'].includes(k)) throw new BadRequest(400, `unknown field "${k}": a backend has host, port, weight and priority`);
  return o as unknown as BackendOptions;
}

function decodeSegment(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new BadRequest(400, `bad percent-encoding in path segment ${JSON.stringify(p)}`);
  }
}

/** The `/servers` handler for {@link HttpServer.routeTree}. */
export function createProxyApi(proxy: Proxy, base = '/servers'): Handler {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    try {
      const parts = path.slice(base.length).split('/').filter((p) => p !== '').map(decodeSegment);
      if (parts.length === 0) {
        if (!allowMethods(req, res)) return;
        return sendJson(res, 200, Object.fromEntries(proxy.servers().map((s) => [s.name, serverJson(s)])));
      }
      const server = proxy.server(parts[0] as string);
      if (server === undefined) throw new BadRequest(404, `no proxy server named ${JSON.stringify(parts[0])}`);
      if (parts.length === 1) {
        if (!allowMethods(req, res)) return;
        return sendJson(res, 200, serverJson(server));
      }
      if (parts.length === 2 && parts[1] === 'stats') {
        if (!allowMethods(req, res)) return;
        return sendJson(res, 200, statsJson(server));
      }
      if (parts.length === 2 && parts[1] === 'backends') {
        if (!allowMethods(req, res, ['POST'])) return;
        const spec = backendBody(await readJson(req));
        let b: Backend;
        try {
          b = server.addBackend(spec);
        } catch (err) {
          if (err instanceof MeterkitError) throw new BadRequest(/already in|still draining/.test(err.message) ? 409 : 400, err.message);
          throw err;
        }
        return sendJson(res, 201, backendStats(b));
      }
      if (parts.length === 3 && parts[1] === 'backends') {
        if (!allowMethods(req, res, ['DELETE'])) return;
        if (!server.removeBackend(parts[2] as string)) throw new BadRequest(404, `proxy server "${server.name}" has no backend ${JSON.stringify(parts[2])}`);
        res.writeHead(204).end();
        return;
      }
      throw new BadRequest(404, `no such resource: ${path}`);
    } catch (err) {
      if (err instanceof BadRequest) return sendError(res, err);
      throw err;
    }
  };
}
