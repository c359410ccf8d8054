/**
 * The reporter's HTTP sender: POSTs a batch to a monitor agent's `POST /monitor/v1/metrics`.
 */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration } from '../core/options.js';
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

/** The URL batches are posted to; credentials in the URL are refused (give `auth`). */
export function monitorIngestUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid monitor url ${describeValue(url)}: use http://HOST:PORT`, { cause: err });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid monitor url ${describeValue(url)}: the scheme must be http or https`);
  }
  if (u.username !== '' || u.password !== '') {
    // the message must not repeat the secret
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid monitor url (credentials not shown) for host ${describeValue(u.host)}: give credentials as auth options (--auth-token, --basic-auth), not in the URL`);
  }
  if (u.pathname === '/' || u.pathname === '') u.pathname = MONITOR_HTTP.metrics;
  return u;
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
  const where = url.toString();
  return async (batch) => {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(batch), signal: AbortSignal.timeout(timeout) });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new MeterkitError(ErrorCode.MonitorReport, `POST ${where} failed: ${err instanceof Error ? err.message : String(err)}${cause}`, { cause: err });
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
