/** What an HTTP `Retry-After` header means, in one place (notifications and remote write). */
import { MAX_TIMER_MS } from './options.js';

/**
 * A `Retry-After` value as a wait in ms: delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`, relative to `now`). `undefined` when absent or unreadable;
 * capped at the longest timer.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^[0-9]+$/.test(v)) return Math.min(Number(v) * 1000, MAX_TIMER_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at) || !/[A-Za-z]/.test(v)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_TIMER_MS);
}
