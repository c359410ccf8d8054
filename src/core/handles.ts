/**
 * A counter handle: a monotonically increasing value. Resolve it once, keep it, call it often.
 */
export interface Counter {
  /** Adds `n` (default 1). `n` must be a finite number ≥ 0. */
  increment(n?: number): void;
  /** Raises the counter to `value` if it is larger than the current value (keeps the maximum). */
  absolute(value: number): void;
}

/** A gauge handle: a value that goes up and down. */
export interface Gauge {
  /** Adds `n` (default 1). */
  increment(n?: number): void;
  /** Subtracts `n` (default 1). */
  decrement(n?: number): void;
  /** Sets the value. */
  set(value: number): void;
}

/** A histogram handle: a distribution of observed values. */
export interface Histogram {
  /** Records one observation. */
  record(value: number): void;
  /** Records the same observation `count` times (count: a whole number ≥ 0). */
  recordMany(value: number, count: number): void;
}

class NoopHandle implements Counter, Gauge, Histogram {
  increment(): void {}
  decrement(): void {}
  absolute(): void {}
  set(): void {}
  record(): void {}
  recordMany(): void {}
}

/** The handle every no-op path hands out: it accepts every call and does nothing. */
export const NOOP_HANDLE: Counter & Gauge & Histogram = Object.freeze(new NoopHandle());
