/**
 * Timers, as prom-client's `startTimer()` and `setToCurrentTime()`, for any recorder's handles.
 * Durations come from the monotonic clock (`process.hrtime.bigint`), so a wall-clock step (NTP,
 * a manual change) never makes one negative or wrong.
 */
import type { Gauge, Histogram } from './handles.js';

/** Starts a stopwatch: `end()` returns the seconds since the start (monotonic clock; call it as often as you like). */
export function startTimer(): () => number {
  const start = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Starts a stopwatch whose `end()` records the seconds elapsed into `handle` (`record` on a
 * histogram, `set` on a gauge) and returns them. Each call of `end()` records once more.
 */
export function timeInto(handle: Histogram | Gauge): () => number {
  const elapsed = startTimer();
  // a histogram handle has `record`; the no-op handle has both and ignores either
  const isHistogram = typeof (handle as Partial<Histogram>).record === 'function';
  return () => {
    const s = elapsed();
    if (isHistogram) (handle as Histogram).record(s);
    else (handle as Gauge).set(s);
    return s;
  };
}

/** Sets `gauge` to the wall-clock time now, in seconds since the Unix epoch (ms precision). */
export function setToCurrentTime(gauge: Gauge): void {
  gauge.set(Date.now() / 1000);
}
