/**
 * The options of a remote writer and their checks, in one place: the library and the agent's
 * flags (src/cli/remote-write.ts) both come through {@link resolveOptions}.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDefaultLabels } from '../core/default-labels.js';
import { checkDuration, checkWhole } from '../core/options.js';
import type { AuthOptions } from '../http/auth.js';
import { authorizationHeader, checkAuth } from '../http/auth.js';
import { redactUrl, redactedHref } from '../core/redact.js';
import type { ClientTls } from './client.js';
import type { RemoteWriteMetricsTarget } from './metrics.js';
import type { RemoteWriteSource } from './snapshot.js';

/** Options of a {@link RemoteWriter}. Durations are in ms. */
export interface RemoteWriteOptions {
  /** The receiver's write endpoint, e.g. `http://127.0.0.1:9090/api/v1/write`. */
  url: string | URL;
  /** What is sent: a Registry (its collectors run before each snapshot). */
  source: RemoteWriteSource;
  /** The `remote_name` label of the writer's own metrics. Default: 6 hex digits of the URL's SHA-256. */
  name?: string;
  /** Time between snapshots. Default 15 000. */
  interval?: number;
  /**
   * Labels added to every series that does not have them already, or has them empty (Prometheus's
   * external labels). `le` and `quantile` are refused, as for default labels.
   */
  externalLabels?: Readonly<Record<string, string>>;
  /** Extra request headers. The protocol's own (Content-Type, Content-Encoding, …) cannot be replaced. */
  headers?: Readonly<Record<string, string>>;
  /** Bearer token or basic credentials. */
  auth?: AuthOptions;
  /** TLS settings for an https: URL. */
  tls?: ClientTls;
  /** Time one request may take, connecting to the status line of the answer. Default 30 000 (Prometheus's remote_timeout). */
  timeout?: number;
  /** Parallel senders, at most {@link MAX_SHARDS}; a series always goes through the same one. Default 1. */
  shards?: number;
  /** Most samples in one request, at most {@link MAX_SAMPLES_PER_SEND}. Default 2000 (Prometheus's max_samples_per_send). */
  maxSamplesPerSend?: number;
  /** Samples buffered across all shards; beyond it the oldest are dropped and counted. Default 1 000 000. */
  maxPendingSamples?: number;
  /** First wait after a recoverable failure; doubles each time. Default 30 (Prometheus's min_backoff). */
  minBackoff?: number;
  /** Longest wait between attempts. Default 5000 (Prometheus's max_backoff). */
  maxBackoff?: number;
  /** How long close() tries to deliver what is buffered. Default 10 000. */
  flushDeadline?: number;
  /** Time between metadata (TYPE/HELP/unit) sends. Default 60 000 (Prometheus's metadata send_interval). */
  metadataInterval?: number;
  /** Send metadata at all (Prometheus's metadata_config send). Default true. */
  sendMetadata?: boolean;
  /** Where the writer's own metrics go. Default: `source` when it is a Recorder, else nowhere. */
  metrics?: RemoteWriteMetricsTarget;
  /** The clock that stamps snapshots, ms since the epoch (a fake one in tests). Default `Date.now`. */
  now?: () => number;
  /**
   * Hears of a failure, once per episode: the first after a success, or after a failure of
   * the other kind (refused, or retried: network error, 5xx, 429). Default: a process warning.
   */
  onError?: (err: Error) => void;
}

/** The most shards a writer runs (Prometheus's default max_shards). */
export const MAX_SHARDS = 200;

/**
 * The most samples in one request: each shard preallocates its batch (24 bytes a sample), and
 * receivers refuse large bodies (VictoriaMetrics: 32 MiB uncompressed by default).
 */
export const MAX_SAMPLES_PER_SEND = 100_000;

/** The longest `Retry-After` a writer waits (a receiver asking for more gets this). */
export const MAX_RETRY_AFTER = 60_000;

/** Headers the protocol sets itself (lower case): an option may not replace them. */
const RESERVED = new Set([
  'authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection',
  'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding',
  'x-prometheus-remote-write-version', 'x-prometheus-remote-read-version', 'transfer-encoding', 'upgrade', 'te', 'trailer',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Options checked, defaults applied. */
export interface ResolvedOptions {
  readonly url: URL;
  readonly urlLabel: string;
  readonly name: string;
  readonly interval: number;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeout: number;
  readonly shards: number;
  readonly maxSamplesPerSend: number;
  readonly maxPendingSamples: number;
  readonly minBackoff: number;
  readonly maxBackoff: number;
  readonly flushDeadline: number;
  readonly metadataInterval: number;
  readonly sendMetadata: boolean;
}

function fail(msg: string): never {
  throw new MeterkitError(ErrorCode.InvalidArgument, msg);
}

/** The write URL checked: http(s), no credentials in it (they would show in metrics and logs). */
export function checkUrl(url: string | URL): URL {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : new URL(url.href);
  } catch (err) {
    const text = String(url);
    // a URL that does not parse may still carry a password: then it is not shown
    const shown = text.includes('@') ? '(not shown: it holds an "@", perhaps credentials)' : describeValue(redactUrl(text));
    // (the parser's error quotes its input: it is the cause only when the input may be shown)
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid remote write URL ${shown}: it must be an absolute http: or https: URL`, text.includes('@') || text.includes('=') ? undefined : { cause: err });
  }
  if (u.username !== '' || u.password !== '') fail('invalid remote write URL (credentials not shown): give credentials with the auth option (--remote-write-basic-auth), not in the URL');
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(`invalid remote write URL ${describeValue(redactedHref(u))}: it must be an http: or https: URL`);
  return u;
}

/** Checks every option; applies the defaults. @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` */
export function resolveOptions(o: RemoteWriteOptions): ResolvedOptions {
  const url = checkUrl(o.url);
  const shards = o.shards === undefined ? 1 : checkWhole('remote write shards', o.shards, { max: MAX_SHARDS });
  const maxPendingSamples = o.maxPendingSamples === undefined ? 1_000_000 : checkWhole('remote write maxPendingSamples', o.maxPendingSamples, { min: shards });
  const minBackoff = o.minBackoff === undefined ? 30 : checkDuration('remote write minBackoff', o.minBackoff);
  const maxBackoff = o.maxBackoff === undefined ? Math.max(5000, minBackoff) : checkDuration('remote write maxBackoff', o.maxBackoff);
  if (maxBackoff < minBackoff) fail(`invalid remote write maxBackoff ${maxBackoff}: it must not be less than minBackoff (${minBackoff})`);
  // the rule of default labels (le and quantile refused: the buckets and quantiles carry them)
  const checked = checkDefaultLabels(o.externalLabels);
  const externalLabels: Record<string, string> = {};
  if (checked !== null) checked.names.forEach((n, i) => (externalLabels[n] = checked.values[i] as string));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    if (!TOKEN.test(k)) fail(`invalid remote write header name ${describeValue(k)}: it must be an HTTP token`);
    if (RESERVED.has(k.toLowerCase())) fail(`remote write header "${k}" cannot be set: the protocol (or the auth option) sets it`);
    if (typeof v !== 'string' || !HEADER_VALUE.test(v)) fail(`invalid value of remote write header "${k}" (not shown): it must be a string without control characters`);
    headers[k] = v;
  }
  if (o.auth !== undefined) checkAuth(o.auth);
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name === '')) fail(`invalid remote write name ${describeValue(o.name)}: it must be a non-empty string`);
  return {
    url,
    urlLabel: redactedHref(url),
    name: o.name ?? createHash('sha256').update(url.href).digest('hex').slice(0, 6),
    interval: o.interval === undefined ? 15_000 : checkDuration('remote write interval', o.interval),
    externalLabels,
    headers,
    timeout: o.timeout === undefined ? 30_000 : checkDuration('remote write timeout', o.timeout),
    shards,
    maxSamplesPerSend: o.maxSamplesPerSend === undefined ? 2000 : checkWhole('remote write maxSamplesPerSend', o.maxSamplesPerSend, { max: MAX_SAMPLES_PER_SEND }),
    maxPendingSamples,
    minBackoff,
    maxBackoff,
    flushDeadline: o.flushDeadline === undefined ? 10_000 : checkDuration('remote write flushDeadline', o.flushDeadline),
    metadataInterval: o.metadataInterval === undefined ? 60_000 : checkDuration('remote write metadataInterval', o.metadataInterval),
    sendMetadata: o.sendMetadata ?? true,
  };
}

/** The headers of every request: the protocol's, the auth header, the user's. */
export function requestHeaders(o: ResolvedOptions, auth: AuthOptions | undefined, userAgent: string): Record<string, string> {
  return {
    ...o.headers,
    'content-encoding': 'snappy',
    'content-type': 'application/x-protobuf',
    'x-prometheus-remote-write-version': '0.1.0',
    'user-agent': userAgent,
    ...(auth === undefined ? {} : { authorization: authorizationHeader(auth) }),
  };
}
