/**
 * The proxy's command-line flags, shared by `meterkit proxy` and `meterkit agent`: one server
 * from flags (several servers come with the config file).
 */
import { parseDuration, parseWhole } from '../core/options.js';
import { parseHostPort } from '../core/address.js';
import type { ProxyNaming, ProxyServerOptions } from '../proxy/index.js';
import { checkServerOptions, checkStrategy, parseBackendSpec, parseHealthSpec } from '../proxy/index.js';
import { UsageError, asUsage, needsFeature } from './usage.js';

/** The proxy part of an agent's config. */
export interface ProxyConfig {
  servers: ProxyServerOptions[];
  naming: ProxyNaming;
  /** ms open connections get to finish on shutdown. */
  drainTimeout: number;
}

/** Default ms a shutdown lets open proxy connections finish. */
export const DEFAULT_DRAIN_MS = 5000;

/** parseArgs options of the proxy flags. */
export const PROXY_OPTIONS = {
  'proxy-bind': { type: 'string' },
  'proxy-name': { type: 'string' },
  backend: { type: 'string', multiple: true },
  strategy: { type: 'string' },
  healthcheck: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'client-idle-timeout': { type: 'string' },
  'backend-idle-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  'proxy-tls-cert': { type: 'string' },
  'proxy-tls-key': { type: 'string' },
  'proxy-protocol': { type: 'boolean' },
  'proxy-naming': { type: 'string' },
  'drain-timeout': { type: 'string' },
} as const;

/** The help lines of the proxy flags. */
export const PROXY_HELP = `Proxy (a TCP load balancer; its metrics go to /metrics, /debug/vars and the stream):
  --proxy-bind <host:port>  Accept proxy clients here (meterkit proxy: also --bind)
  --backend <spec>          A backend, repeatable: host:port[,weight=N][,priority=N]
                            (weight ≥ 1, default 1; lower priority is preferred, default 1)
  --strategy <name>         weight (default), roundrobin, leastconn, leastbandwidth,
                            iphash, iphash1
  --healthcheck <spec>      ping | probe,send=TEXT,expect=TEXT|/regex/ | exec,command=PATH,
                            each with [,interval=2s][,timeout=1s][,fails=1][,passes=1]
  --connect-timeout <dur>   Backend connect timeout (default 5s; 1500, 1500ms, 2s, 1m)
  --client-idle-timeout <dur>   Close a connection idle this long on the client side
  --backend-idle-timeout <dur>  Close a connection idle this long on the backend side
  --max-connections <n>     Clients at once; more are refused (default 0: no limit)
  --proxy-tls-cert <file>   Terminate TLS for clients (needs --proxy-tls-key)
  --proxy-tls-key <file>
  --proxy-protocol          Send a PROXY protocol v1 header to backends
  --proxy-name <name>       The server's name: its "server" label (default "default")
  --proxy-naming <mode>     meterkit (default) or gobetween (gobetween's metric names)
  --drain-timeout <dur>     On SIGTERM, let open connections finish this long (default 5s)
`;

type Values = { [K in keyof typeof PROXY_OPTIONS]?: (typeof PROXY_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof PROXY_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };

/**
 * Turns the proxy flags into a proxy config; undefined when none is given. Every value is
 * checked here, so a bad one is a usage error (exit 2) naming the flag.
 */
export function parseProxyFlags(v: Values, readPem: (path: string, what: string) => Buffer): ProxyConfig | undefined {
  const bind = v['proxy-bind'];
  if (bind === undefined) {
    const given = (Object.keys(PROXY_OPTIONS) as Array<keyof Values>).filter((k) => v[k] !== undefined);
    if (given.length > 0) throw needsFeature(`--${given[0] as string}`, 'proxy', 'meterkit proxy: --bind for --proxy-bind');
    return undefined;
  }
  asUsage(() => parseHostPort(bind, '--proxy-bind address'));
  const { naming, drainTimeout } = parseProxySectionFlags(v);
  const backends = v.backend ?? [];
  if (backends.length === 0) throw new UsageError('a proxy needs at least one --backend host:port');
  // idle timeouts take 0 (none); a connect timeout must be at least 1 ms
  const dur = (flag: keyof Values, min: number): number | undefined => {
    const t = v[flag] as string | undefined;
    return t === undefined ? undefined : asUsage(() => parseDuration(`--${flag}`, t, min));
  };
  const cert = v['proxy-tls-cert'];
  const key = v['proxy-tls-key'];
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--proxy-tls-cert and --proxy-tls-key go together: give both or neither');
  const strategy = v.strategy;
  const hc = v.healthcheck;
  const mc = v['max-connections'];
  const server: ProxyServerOptions = {
    name: v['proxy-name'] ?? 'default',
    bind,
    backends: asUsage(() => backends.map(parseBackendSpec)),
    strategy: strategy === undefined ? undefined : asUsage(() => checkStrategy(strategy)),
    healthcheck: hc === undefined ? undefined : asUsage(() => parseHealthSpec(hc)),
    connectTimeout: dur('connect-timeout', 1),
    clientIdleTimeout: dur('client-idle-timeout', 0),
    backendIdleTimeout: dur('backend-idle-timeout', 0),
    maxConnections: mc === undefined ? undefined : asUsage(() => parseWhole('--max-connections', mc, { min: 0 })),
    proxyProtocol: v['proxy-protocol'] === true,
    tls: cert !== undefined && key !== undefined ? { cert: readPem(cert, 'proxy TLS certificate'), key: readPem(key, 'proxy TLS key'), source: `certificate "${cert}", key "${key}"` } : undefined,
  };
  // everything else (duplicate backends, TLS material) is checked before anything listens
  asUsage(() => checkServerOptions(server));
  return { servers: [server], naming, drainTimeout };
}

/** The flags of the whole proxy, not of its one server (`--proxy-naming`, `--drain-timeout`), with their defaults. */
export function parseProxySectionFlags(v: Pick<Values, 'proxy-naming' | 'drain-timeout'>): { naming: ProxyNaming; drainTimeout: number } {
  const naming = v['proxy-naming'] ?? 'meterkit';
  if (naming !== 'meterkit' && naming !== 'gobetween') throw new UsageError(`unknown --proxy-naming "${naming}": use meterkit or gobetween`);
  const drain = v['drain-timeout'];
  return { naming, drainTimeout: drain === undefined ? DEFAULT_DRAIN_MS : asUsage(() => parseDuration('--drain-timeout', drain, 0)) };
}
