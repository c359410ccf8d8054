import { ErrorCode, MeterkitError, describeValue } from './errors.js';

/** Prometheus's default histogram buckets (upper bounds, seconds-oriented). */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

function bad(message: string): MeterkitError {
  return new MeterkitError(ErrorCode.InvalidBuckets, message);
}

/**
 * `count` buckets starting at `start`, each `width` wider than the last.
 * @throws MeterkitError `ERR_METERKIT_INVALID_BUCKETS` when `count` < 1 or `width` ≤ 0.
 */
export function linearBuckets(start: number, width: number, count: number): number[] {
  if (!Number.isFinite(start)) throw bad(`invalid start ${describeValue(start)}: must be a finite number`);
  if (!(width > 0) || !Number.isFinite(width)) {
    throw bad(`invalid width ${describeValue(width)}: linear buckets need a finite width > 0`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw bad(`invalid count ${describeValue(count)}: the bucket count must be a whole number ≥ 1`);
  }
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(start + i * width);
  return out;
}

/**
 * `count` buckets starting at `start`, each `factor` times the last.
 * @throws MeterkitError `ERR_METERKIT_INVALID_BUCKETS` when `start` ≤ 0, `factor` ≤ 1 or `count` < 1.
 */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0) || !Number.isFinite(start)) {
    throw bad(`invalid start ${describeValue(start)}: exponential buckets need a finite start > 0`);
  }
  if (!(factor > 1) || !Number.isFinite(factor)) {
    throw bad(`invalid factor ${describeValue(factor)}: exponential buckets need a finite factor > 1`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw bad(`invalid count ${describeValue(count)}: the bucket count must be a whole number ≥ 1`);
  }
  const out: number[] = [];
  let v = start;
  for (let i = 0; i < count; i++) {
    out.push(v);
    v *= factor;
  }
  return out;
}

/**
 * Checks and freezes a list of bucket upper bounds: finite, strictly increasing, at least one.
 * A trailing `+Inf` is accepted and dropped: the `+Inf` bucket always exists.
 */
export function validateBuckets(buckets: readonly number[], metric?: string): Float64Array {
  const where = metric === undefined ? '' : ` for histogram "${metric}"`;
  if (!Array.isArray(buckets)) throw bad(`invalid buckets ${describeValue(buckets)}${where}: buckets must be an array of numbers`);
  const list = buckets.length > 0 && buckets[buckets.length - 1] === Infinity ? buckets.slice(0, -1) : buckets;
  if (list.length === 0) throw bad(`invalid buckets${where}: at least one finite upper bound is needed`);
  for (let i = 0; i < list.length; i++) {
    const b = list[i];
    if (typeof b !== 'number' || !Number.isFinite(b)) {
      throw bad(`invalid bucket bound ${describeValue(b)}${where}: every bound must be a finite number`);
    }
    const prev = list[i - 1];
    if (i > 0 && prev !== undefined && !(b > prev)) {
      throw bad(`invalid bucket bound ${b} after ${prev}${where}: bounds must be strictly increasing`);
    }
  }
  return Float64Array.from(list);
}
