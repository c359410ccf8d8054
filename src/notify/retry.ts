/**
 * The retry policy, in one place: which answers are retried, how long to wait before the next
 * attempt, and what `Retry-After` means.
 *
 * - 2xx: success. A 307/308 was followed by the sink (as Go's client, distribution's, does), so
 *   the status here is the last hop's; any other 3xx (301/302/303, which Go would follow as a
 *   GET without the body, a redirect without a Location, 300, 304…) delivered nothing: a
 *   failure that goes to the dead-letter store (a deliberate difference from distribution,
 *   which counts those as success);
 * - network errors (refused, reset, timeout), 408, 429 and 5xx: retried;
 * - any other status (a 4xx): the request itself is refused, so the batch goes to the
 *   dead-letter store at once.
 * Waits: the first `threshold − 1` consecutive failures are retried at once (distribution's
 * breaker); from the `threshold`-th on, the wait is `backoff · 2^(n − threshold)` capped at
 * `maxBackoff`, with "equal jitter" (a random point in its upper half) so that many senders
 * do not retry in step. A `Retry-After` on a 429 or 503 replaces the computed wait, capped at
 * `maxBackoff` too: a receiver's word must not park an endpoint for weeks.
 */

/** What the sender does with an attempt's outcome. */
export type Verdict = 'success' | 'retry' | 'dead';

/** The verdict on an HTTP status (`undefined`: no status, a network error). */
export function classify(status: number | undefined): Verdict {
  if (status === undefined) return 'retry';
  if (status >= 200 && status < 300) return 'success';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'dead';
}

/** Backoff settings of an endpoint, in ms. */
export interface BackoffPolicy {
  readonly threshold: number;
  readonly backoff: number;
  readonly maxBackoff: number;
}

/**
 * The wait before the next attempt after `consecutive` (≥ 1) failed attempts in a row.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(p: BackoffPolicy, consecutive: number, random: () => number): number {
  if (consecutive < p.threshold) return 0;
  const exp = Math.min(consecutive - p.threshold, 30);
  const cap = Math.min(p.maxBackoff, p.backoff * 2 ** exp);
  return Math.round(cap / 2 + random() * (cap / 2));
}

export { parseRetryAfter } from '../core/retry-after.js';

/**
 * The wait before the next attempt: the receiver's `Retry-After` (in ms, see
 * {@link parseRetryAfter}) when it gave one, else {@link backoffDelay}; never over `maxBackoff`.
 */
export function retryWait(p: BackoffPolicy, consecutive: number, random: () => number, retryAfter: number | undefined): number {
  return retryAfter === undefined ? backoffDelay(p, consecutive, random) : Math.min(retryAfter, p.maxBackoff);
}
