/**
 * An endpoint's configuration: the one place its options are checked and defaulted, and the
 * secret-free view of it that `/debug/vars` publishes.
 */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration, checkWhole } from '../core/options.js';
import { redactUrl, redactedHref } from '../core/redact.js';
import { EVENT_MAX_BYTES } from './event.js';
import { secretKey } from './signing.js';

/** Default of `maxBatchBytes`: 1 MiB of events' JSON per request. */
export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;

/** Wire format of an endpoint's requests (see event.ts). */
export type EventFormat = 'meterkit' | 'cloudevents';

/** Endpoint configuration as a caller writes it; durations in ms. */
export interface EndpointConfig {
  /** Unique name (letters, digits, `._-`), used in metrics labels and as the queue's key. */
  name: string;
  /** `http:` or `https:` URL the events are POSTed to. */
  url: string;
  /** Extra request headers (e.g. `Authorization`). Only their names are ever published. */
  headers?: Readonly<Record<string, string>>;
  /** Timeout of one request, connect to last response byte. Default 5000. */
  timeout?: number;
  /** Consecutive failed attempts after which the sender backs off (distribution's `threshold`). Default 3. */
  threshold?: number;
  /** First backoff; it doubles with each further failure, with jitter. Default 1000. */
  backoff?: number;
  /** Longest backoff. Default 60000. */
  maxBackoff?: number;
  /** Attempts of one batch before its events go to the dead-letter store. Default 10. */
  maxAttempts?: number;
  /** Events whose action is listed here are not sent to this endpoint (distribution's `ignore.actions`). */
  ignore?: { actions?: readonly string[] };
  /** Most events in one request. Default 100. */
  maxEvents?: number;
  /** How long a batch waits to fill up to maxEvents before it is sent anyway; 0 sends what is there. Default 0. */
  maxWait?: number;
  /** Most bytes of events' JSON (UTF-8) in one request, at least EVENT_MAX_BYTES (64 KiB). Default 1 MiB. */
  maxBatchBytes?: number;
  /** Standard Webhooks secret (`whsec_<base64>`): requests are signed with it. Never published. */
  secret?: string;
  /** `meterkit` (the `{"events":[…]}` envelope, default) or `cloudevents` (structured batch). */
  format?: EventFormat;
  /** For an `https:` URL: the CA certificates (PEM) its certificate is checked against, instead of Node's default list. */
  ca?: string;
}

/** An endpoint's configuration, checked and with every default filled in. */
export interface ResolvedEndpointConfig {
  readonly name: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeout: number;
  readonly threshold: number;
  readonly backoff: number;
  readonly maxBackoff: number;
  readonly maxAttempts: number;
  readonly ignoredActions: ReadonlySet<string>;
  readonly maxEvents: number;
  readonly maxWait: number;
  readonly maxBatchBytes: number;
  readonly key: Buffer | undefined;
  readonly format: EventFormat;
  readonly ca: string | undefined;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// RFC 9110 field-value without obs-text: visible ASCII, spaces and tabs. node:http throws on
// characters past Latin-1, and a receiver reads Latin-1 ones differently: both refused here, once
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** Headers the sender sets itself; a configured one would be overwritten or break the request. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection', 'webhook-id', 'webhook-timestamp', 'webhook-signature']);

function bad(what: string, v: unknown, rule: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what} ${describeValue(v)}: ${rule}`);
}

/**
 * Checks an endpoint's configuration and fills in the defaults.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the option, the value (never a
 * secret or a header value) and the rule.
 */
export function resolveEndpointConfig(c: EndpointConfig): ResolvedEndpointConfig {
  if (typeof c.name !== 'string' || !NAME.test(c.name)) throw bad('endpoint name', c.name, 'it must be 1 to 128 letters, digits or ._- starting with a letter or digit');
  const what = (opt: string): string => `${opt} of endpoint "${c.name}"`;
  let url: URL;
  try {
    url = new URL(c.url);
  } catch (err) {
    const shown = typeof c.url === 'string' ? redactUrl(c.url) : c.url;
    // no `cause`: the parser's error keeps the raw text (its `input`), a token in the query and all
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what('url')} ${describeValue(shown)}: ${err instanceof Error ? err.message : String(err)}; it must be an absolute http: or https: URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(what('url'), publicUrl(url), 'it must be an http: or https: URL');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers ?? {})) {
    if (!HEADER_NAME.test(k)) throw bad(what('header name'), k, 'it must be an HTTP token');
    if (RESERVED_HEADERS.has(k.toLowerCase())) throw bad(what('header'), k, 'the sender sets it itself');
    if (typeof v !== 'string' || !HEADER_VALUE.test(v)) throw bad(what(`value of header ${k}`), '(hidden)', 'it must be a string of visible ASCII characters, spaces and tabs (what every HTTP stack sends unchanged)');
    headers[k] = v;
  }
  const backoff = checkDuration(what('backoff'), c.backoff ?? 1000);
  const maxBackoff = checkDuration(what('maxBackoff'), c.maxBackoff ?? Math.max(60_000, backoff));
  if (maxBackoff < backoff) throw bad(what('maxBackoff'), maxBackoff, `it must be at least backoff (${backoff})`);
  const format = c.format ?? 'meterkit';
  if (format !== 'meterkit' && format !== 'cloudevents') throw bad(what('format'), format, 'it must be "meterkit" or "cloudevents"');
  if (c.ca !== undefined && (typeof c.ca !== 'string' || !c.ca.includes('-----BEGIN CERTIFICATE-----'))) throw bad(what('ca'), typeof c.ca === 'string' ? `${c.ca.length} characters` : c.ca, 'it must be PEM text holding -----BEGIN CERTIFICATE-----');
  if (c.ca !== undefined && url.protocol !== 'https:') throw bad(what('ca'), 'set', 'it applies to https: URLs only');
  const actions = c.ignore?.actions ?? [];
  for (const a of actions) if (typeof a !== 'string' || a === '') throw bad(what('ignored action'), a, 'it must be a non-empty string');
  return {
    name: c.name,
    url,
    headers,
    timeout: checkDuration(what('timeout'), c.timeout ?? 5000),
    threshold: checkWhole(what('threshold'), c.threshold ?? 3),
    backoff,
    maxBackoff,
    maxAttempts: checkWhole(what('maxAttempts'), c.maxAttempts ?? 10),
    ignoredActions: new Set(actions),
    maxEvents: checkWhole(what('maxEvents'), c.maxEvents ?? 100, { max: 10_000 }),
    maxWait: checkDuration(what('maxWait'), c.maxWait ?? 0, 0),
    maxBatchBytes: checkWhole(what('maxBatchBytes'), c.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES, { min: EVENT_MAX_BYTES }),
    key: c.secret === undefined ? undefined : secretKey(c.secret),
    format,
    ca: c.ca,
  };
}

/** The one redaction rule for URL text (user information and query values hidden): src/core/redact.ts. */
export { redactUrl };

/**
 * The URL as `/debug/vars` and errors show it: without user name and password, and with the
 * query values hidden by the one redaction rule (src/core/redact.ts).
 */
export function publicUrl(url: URL): string {
  if (url.username === '' && url.password === '') return redactedHref(url);
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  return redactedHref(u);
}

/**
 * The configuration fields `/debug/vars` shows beside an endpoint's metrics, with
 * distribution's field names where it has them (`Headers`, `Timeout`, `Threshold`, `Backoff`,
 * `Ignore`); durations in ms. Header values and the secret never appear: `Headers` lists names
 * only, `Signed` says whether a secret is set.
 */
export function publicConfig(c: ResolvedEndpointConfig): Record<string, unknown> {
  return {
    Headers: Object.keys(c.headers),
    Timeout: c.timeout,
    Threshold: c.threshold,
    Backoff: c.backoff,
    MaxBackoff: c.maxBackoff,
    MaxAttempts: c.maxAttempts,
    Ignore: { Actions: [...c.ignoredActions] },
    MaxEvents: c.maxEvents,
    MaxWait: c.maxWait,
    MaxBatchBytes: c.maxBatchBytes,
    Format: c.format,
    Signed: c.key !== undefined,
    CustomCA: c.ca !== undefined,
  };
}
