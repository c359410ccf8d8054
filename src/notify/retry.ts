/**
 * The retry policy, in one place: which answers are retried, how long to wait before the next
 * attempt, and what `Retry-After` means.
 *
 * - 2xx and 3xx: success (as distribution: a redirect is not followed, it is an answer);
 * - network errors (refused, reset, timeout), 408, 429 and 5xx: retried;
 * - any other status (a 4xx): the request itself is refused, so the batch goes to the
 *   dead-letter store at once.
 * Waits: the first `threshold − 1` consecutive failures are retried at once (distribution's
 * breaker); from the `threshold`-th on, the wait is `backoff · 2^(n − threshold)` capped at
 * `maxBackoff`, with "equal jitter" (a random point in its upper half) so that many senders
 * do not retry in step. A `Retry-After` on a 429 or 503 replaces the computed wait.
 */

/** What the sender does with an attempt's outcome. */
export type Verdict = 'success' | 'retry' | 'dead';

/** The verdict on an HTTP status (`undefined`: no status, a network error). */
export function classify(status: number | undefined): Verdict {
  if (status === undefined) return 'retry';
  if (status >= 200 && status < 400) return 'success';
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
