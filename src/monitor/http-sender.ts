/**
 * The reporter's HTTP sender: POSTs a batch to a monitor agent's `POST /monitor/v1/metrics`.
 */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration } from '../core/options.js';
import { redactUrl, redactedHref } from '../core/redact.js';
import type { AuthOptions } from '../http/auth.js';
import { authorizationHeader } from '../http/auth.js';
import type { Sender } from './reporter.js';
import { MONITOR_HTTP } from './types.js';

/** Options of {@link httpSender}. */
export interface HttpSenderOptions {
  /** The monitor agent: `http://HOST:PORT` (its `/monitor/v1/metrics` is added), or the full URL. */
  url: string;
  /** Credentials the monitor agent requires (its `--auth-token` / `--basic-auth`). */
  auth?: AuthOptions;
  /** ms a send may take, connect to reply. Default 10 000. */
  timeout?: number;
}

/** A URL as messages show it: by the one redaction rule (core/redact.ts; credentials and query values hidden). */
export function shownUrl(u: URL): string {
  const href = redactedHref(u, '***');
  // a bare host is shown as it was typed, without the `/` the parser adds
  return u.pathname === '/' && u.search === '' && u.hash === '' ? href.slice(0, -1) : href;
}

/**
 * The one rule for the URL of a monitor agent (the reporter's `--report-to`, `meterkit peers
 * --url`): http or https, and no credentials in it (they belong in auth options, as they would
 * end up in logs and process lists). Every message shows the URL redacted (see {@link shownUrl}).
 * `what` names it in messages (a flag, an option).
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT`
 */
export function checkMonitorUrl(text: string, what = 'monitor url'): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch (err) {
    // no `cause`: the parser's error keeps the raw text (its `input`), credentials and all
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what} ${describeValue(typeof text === 'string' ? redactUrl(text, '***') : text)}: ${err instanceof Error ? err.message : String(err)}; use http://HOST:PORT or https://HOST:PORT`);
  }
  if (u.username !== '' || u.password !== '') {
    // the message must not repeat the secret
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what} ${describeValue(shownUrl(u))} (credentials not shown): give credentials as auth options (--report-auth-token, --report-basic-auth; --auth-token, --basic-auth for meterkit peers), not in the URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what} ${describeValue(shownUrl(u))}: the scheme must be http or https`);
  }
  return u;
}

/**
 * Why a fetch of `u` failed, for a message: the error's message and its cause's, with the URL
 * masked wherever the error repeated it (fetch and undici may echo the URL they were given).
 */
export function fetchFailure(err: unknown, u: URL): string {
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const text = `${err instanceof Error ? err.message : String(err)}${cause}`;
  return text.split(u.href).join(shownUrl(u));
}

/** The URL batches are posted to ({@link checkMonitorUrl}'s rule; a bare host gets `/monitor/v1/metrics`). */
export function monitorIngestUrl(url: string): URL {
  const u = checkMonitorUrl(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = MONITOR_HTTP.metrics;
  return u;
}

/** A signal that aborts with `signal` (when given) or after `timeout` ms. */
function anySignal(signal: AbortSignal | undefined, timeout: number): AbortSignal {
  const t = AbortSignal.timeout(timeout);
  if (signal === undefined) return t;
  const both = new AbortController();
  const abort = (s: AbortSignal): void => both.abort(s.reason);
  if (signal.aborted) abort(signal);
  signal.addEventListener('abort', () => abort(signal), { once: true });
  t.addEventListener('abort', () => abort(t), { once: true });
  return both.signal;
}

/**
 * A {@link Sender} that POSTs each batch as JSON. A reply other than 2xx rejects with the
 * status and the start of the monitor's message (`ERR_METERKIT_MONITOR_REPORT`), as does a
 * timeout or a refused connection.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad url, auth or timeout.
 */
export function httpSender(options: HttpSenderOptions): Sender {
  const url = monitorIngestUrl(options.url);
  const timeout = options.timeout === undefined ? 10_000 : checkDuration('monitor send timeout', options.timeout);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.auth !== undefined) headers.Authorization = authorizationHeader(options.auth);
  const where = shownUrl(url);
  return async (batch, signal) => {
    let res: Response;
    try {
      // the reporter's close (signal) or the timeout, whichever comes first, aborts the request
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(batch), signal: anySignal(signal, timeout) });
    } catch (err) {
      throw new MeterkitError(ErrorCode.MonitorReport, `POST ${where} failed: ${fetchFailure(err, url)}`, { cause: err });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (res.ok) return; // logged: the status says so; the reply's body carries only the count
      text = `(the reply body could not be read: ${err instanceof Error ? err.message : String(err)})`;
    }
    if (!res.ok) throw new MeterkitError(ErrorCode.MonitorReport, `POST ${where} answered ${res.status}: ${text.slice(0, 500).trim()}`);
  };
}
