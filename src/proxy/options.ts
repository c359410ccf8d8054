/**
 * What a proxy server is made of, the checks on it, and the one-line spellings the command
 * line uses (`127.0.0.1:9002,weight=3`, `ping,interval=2s,fails=2`).
 */
import { parseHostPort } from '../core/address.js';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration, checkWhole, parseDuration, parseWhole } from '../core/options.js';
import type { TlsMaterial } from '../http/tls.js';
import { checkTls } from '../http/tls.js';
import { backendKey } from './backend.js';
import type { HealthCheck, HealthCheckOptions } from './health.js';
import { checkHealthCheck } from './health.js';
import type { StrategyName } from './strategy.js';
import { checkStrategy } from './strategy.js';

/** A backend: where it is and how it is chosen. */
export interface BackendOptions {
  host: string;
  port: number;
  /** Share of connections under the `weight` strategy, a whole number ≥ 1. Default 1. */
  weight?: number;
  /** Lower is preferred: only the live backends of the lowest priority are used. Default 1. */
  priority?: number;
}

/** A proxy server: a listener, its backends and how it balances between them. */
export interface ProxyServerOptions {
  /** The server's name: its `server` label and its REST path. Letters, digits, `_`, `-`, `.`. */
  name: string;
  /** `host:port` to accept clients on (port 0: any free port). */
  bind: string;
  /** The backends: objects, or `host:port[,weight=N][,priority=N]` strings. */
  backends: ReadonlyArray<BackendOptions | string>;
  /** Default `weight` (gobetween's default; with equal weights it is round robin). */
  strategy?: StrategyName;
  /** Health checks; none: every backend is live. */
  healthcheck?: HealthCheckOptions;
  /** ms for a backend to accept a connection; then the client is closed and the backend counted refused. Default 5000. */
  connectTimeout?: number;
  /** ms without traffic from or to a client before its connection is closed; 0: never. Default 0. */
  clientIdleTimeout?: number;
  /** ms without traffic from or to a backend before the connection is closed; 0: never. Default 0. */
  backendIdleTimeout?: number;
  /** Client connections at once; more are closed at once and counted. 0: no limit. Default 0. */
  maxConnections?: number;
  /** Terminate TLS: PEM certificate and key (checked: `ERR_METERKIT_INVALID_TLS`). Clients speak TLS; backends get plain TCP. */
  tls?: TlsMaterial;
  /** Send a PROXY protocol v1 header to the backend before the client's bytes. Default false. */
  proxyProtocol?: boolean;
  /** Count bytes (false: connections only; for measuring what accounting costs). Default true. */
  accounting?: boolean;
}

/** The checked, complete form of {@link ProxyServerOptions}. */
export interface ServerSettings {
  name: string;
  host: string;
  port: number;
  backends: Array<Required<BackendOptions>>;
  strategy: StrategyName;
  healthcheck: HealthCheck | null;
  connectTimeout: number;
  clientIdleTimeout: number;
  backendIdleTimeout: number;
  maxConnections: number;
  tls: TlsMaterial | null;
  proxyProtocol: boolean;
  accounting: boolean;
}

const SERVER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function fail(message: string): never {
  throw new MeterkitError(ErrorCode.InvalidArgument, message);
}

/** Checks one backend. @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` */
export function checkBackend(b: BackendOptions | string): Required<BackendOptions> {
  if (typeof b === 'string') return parseBackendSpec(b);
  if (b === null || typeof b !== 'object') fail(`invalid backend ${describeValue(b)}: give { host, port } or "host:port"`);
  if (typeof b.host !== 'string' || b.host === '') fail(`invalid backend host ${describeValue(b.host)}: give a host name or IP address`);
  const port = checkWhole(`backend port of ${b.host}`, b.port, { min: 1, max: 65535 });
  return {
    host: b.host,
    port,
    weight: checkWhole(`backend ${backendKey(b.host, port)} weight`, b.weight ?? 1, { max: 1_000_000 }),
    priority: checkWhole(`backend ${backendKey(b.host, port)} priority`, b.priority ?? 1, { min: 0, max: 1_000_000 }),
  };
}

/**
 * Splits `head,key=value,…` (already cut into `parts`) into the head and a map, refusing
 * unknown or repeated keys; messages name `spec` as given.
 */
function splitSpec(spec: string, what: string, keys: readonly string[], parts = spec.split(',')): [string, Map<string, string>] {
  const [head = '', ...rest] = parts;
  const out = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || !keys.includes(k)) fail(`invalid ${what} ${describeValue(spec)}: ${describeValue(part)} is not one of ${keys.map((x) => `${x}=…`).join(', ')}`);
    if (out.has(k)) fail(`invalid ${what} ${describeValue(spec)}: ${k} is given twice`);
    out.set(k, part.slice(eq + 1));
  }
  return [head, out];
}

/** Parses `host:port[,weight=N][,priority=N]`. @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` */
export function parseBackendSpec(spec: string): Required<BackendOptions> {
  const [addr, kv] = splitSpec(spec, 'backend', ['weight', 'priority']);
  const { host, port } = parseHostPort(addr, 'backend address');
  if (port === 0) fail(`invalid backend address ${describeValue(addr)}: port 0 is not a backend's port`);
  const key = backendKey(host, port);
  const w = kv.get('weight');
  const p = kv.get('priority');
  return checkBackend({
    host,
    port,
    weight: w === undefined ? 1 : parseWhole(`backend ${key} weight`, w, { max: 1_000_000 }),
    priority: p === undefined ? 1 : parseWhole(`backend ${key} priority`, p, { min: 0, max: 1_000_000 }),
  });
}

/**
 * Cuts a health check spec at the commas that are not escaped, in one pass from the left, so
 * `\\` is always one backslash and `\,` a comma (in `send=a\\,expect=b` the send value is `a\`,
 * and expect= follows). The escapes stay in the parts for {@link unescapeValue}.
 */
function cutAtCommas(spec: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i] as string;
    if (c === '\\' && i + 1 < spec.length) {
      cur += c + (spec[i + 1] as string);
      i++;
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

const ESCAPES: Record<string, string> = { r: '\r', n: '\n', t: '\t', '\\': '\\', ',': ',' };

/** Decodes `\r`, `\n`, `\t`, `\\` and `\,` in a value; any other backslash stays as written. */
function unescapeValue(v: string): string {
  return v.replace(/\\([rnt\\,])/g, (_, c: string) => ESCAPES[c] as string);
}

/**
 * Parses a health check spec: `ping`, `probe,send=PING,expect=PONG` (`expect=/re/flags` for a
 * RegExp), `exec,command=/path/check` — each with optional `interval=2s`, `timeout=1s`,
 * `fails=N`, `passes=N`. `\r`, `\n`, `\t`, `\\` and `\,` in send/expect stand for themselves.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT`
 */
export function parseHealthSpec(spec: string): HealthCheck {
  const [kind, kv] = splitSpec(spec, 'health check', ['interval', 'timeout', 'fails', 'passes', 'send', 'expect', 'command'], cutAtCommas(spec));
  const text = (k: string): string | undefined => {
    const v = kv.get(k);
    return v === undefined ? undefined : unescapeValue(v);
  };
  const num = (k: string, parse: (what: string, t: string) => number): number | undefined => {
    const v = kv.get(k);
    return v === undefined ? undefined : parse(`health check ${k}`, v);
  };
  const timing = {
    interval: num('interval', (w, t) => parseDuration(w, t)),
    timeout: num('timeout', (w, t) => parseDuration(w, t)),
    fails: num('fails', (w, t) => parseWhole(w, t, { max: 1000 })),
    passes: num('passes', (w, t) => parseWhole(w, t, { max: 1000 })),
  };
  const extra = (allowed: readonly string[]): void => {
    for (const k of ['send', 'expect', 'command']) if (kv.has(k) && !allowed.includes(k)) fail(`invalid health check ${describeValue(spec)}: ${k}= does not apply to ${kind}`);
  };
  if (kind === 'ping') {
    extra([]);
    return checkHealthCheck({ kind, ...timing });
  }
  if (kind === 'probe') {
    extra(['send', 'expect']);
    const e = text('expect') ?? '';
    const re = /^\/(.*)\/([a-z]*)$/s.exec(e);
    const expect = re === null ? e : probeExpectRegex(re[1] as string, re[2], 'probe expect', e);
    return checkHealthCheck({ kind, send: text('send') ?? '', expect, ...timing });
  }
  if (kind === 'exec') {
    extra(['command']);
    return checkHealthCheck({ kind, command: text('command') ?? '', ...timing });
  }
  return fail(`unknown health check kind ${describeValue(kind)} in ${describeValue(spec)}: use ping, probe or exec`);
}

function checkedTls(tls: TlsMaterial): TlsMaterial {
  checkTls(tls);
  return tls;
}

/**
 * Checks a server's options and fills in defaults.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad value and the rule
 * (an invalid address, an unknown strategy, a weight ≤ 0, a backend given twice, …).
 */
export function checkServerOptions(o: ProxyServerOptions): ServerSettings {
  if (typeof o.name !== 'string' || !SERVER_NAME.test(o.name)) fail(`invalid proxy server name ${describeValue(o.name)}: 1–64 letters, digits, "_", "-" or "."`);
  const { host, port } = parseHostPort(o.bind, `bind address of proxy server "${o.name}"`);
  if (!Array.isArray(o.backends)) fail(`invalid backends of proxy server "${o.name}": give an array`);
  const backends = o.backends.map(checkBackend);
  const seen = new Set<string>();
  for (const b of backends) {
    const key = backendKey(b.host, b.port);
    if (seen.has(key)) fail(`backend ${key} is given twice in proxy server "${o.name}": each backend once`);
    seen.add(key);
  }
  const idle = (what: string, v: number | undefined): number => (v === undefined || v === 0 ? 0 : checkDuration(what, v));
  return {
    name: o.name,
    host,
    port,
    backends,
    strategy: o.strategy === undefined ? 'weight' : checkStrategy(o.strategy),
    healthcheck: o.healthcheck === undefined ? null : checkHealthCheck(o.healthcheck),
    connectTimeout: checkDuration('connect timeout', o.connectTimeout ?? 5000),
    clientIdleTimeout: idle('client idle timeout', o.clientIdleTimeout),
    backendIdleTimeout: idle('backend idle timeout', o.backendIdleTimeout),
    maxConnections: o.maxConnections === undefined ? 0 : checkWhole('max connections', o.maxConnections, { min: 0 }),
    tls: o.tls === undefined ? null : checkedTls(o.tls),
    proxyProtocol: o.proxyProtocol === true,
    accounting: o.accounting !== false,
  };
}

/**
 * A probe's expected reply as a RegExp (`/re/flags` in a flag, `expect_regex` in a config file):
 * a bad one is a coded error naming `what` and the value as given, never a bare SyntaxError.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT`.
 */
export function probeExpectRegex(source: string, flags: string | undefined, what: string, given: string = source): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what} ${describeValue(given)}: ${(err as Error).message}`, { cause: err });
  }
}
