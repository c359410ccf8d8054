import type { Exemplar } from './exemplar.js';
import { sharedState } from './shared-state.js';

/*
 * Every update method follows one rule (core/validate.ts): it never throws and never stores a
 * bad value. An update whose value breaks the rule is dropped, counted in
 * `meterkit_invalid_updates_total{metric,reason}` and reported once per metric.
 */

/**
 * A counter handle: a monotonically increasing value. Resolve it once, keep it, call it often.
 */
export interface Counter {
  /**
   * Adds `n` (default 1), a finite number ≥ 0. An exemplar (OpenMetrics), e.g.
   * `{ labels: { trace_id } }`, is kept with the series until the next one replaces it.
   */
  increment(n?: number, exemplar?: Exemplar): void;
  /** Raises the counter to `value` (a finite number ≥ 0) if it is larger than the current value. */
  absolute(value: number): void;
}

/** A gauge handle: a value that goes up and down. */
export interface Gauge {
  /** Adds `n` (default 1); the result must stay finite. */
  increment(n?: number): void;
  /** Subtracts `n` (default 1); the result must stay finite. */
  decrement(n?: number): void;
  /** Sets the value, a finite number. */
  set(value: number): void;
}

/** A histogram handle: a distribution of observed values. */
export interface Histogram {
  /** Records one observation, a finite number; optionally with an exemplar for its bucket. */
  record(value: number, exemplar?: Exemplar): void;
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

/**
 * The handle every no-op path hands out: it accepts every call and does nothing. One per
 * process (shared by the ES module and CommonJS copies, see shared-state.ts), so
 * `counter(name) === NOOP_HANDLE` holds whichever copy made the facade's no-op recorder.
 */
export const NOOP_HANDLE: Counter & Gauge & Histogram = sharedState('noop-handle', () => Object.freeze(new NoopHandle()));

/**
 * A registry's gauge handle: a gauge whose sample can also carry an explicit time, as
 * cAdvisor's `container_last_seen` does.
 */
export interface TimedGauge extends Gauge {
  /**
   * Sets the value with a sample time (ms since the Unix epoch, > 0) that the exposition
   * writes after the value. The next `set`, `increment` or `decrement` drops the time.
   */
  setAt(value: number, timestampMs: number): void;
}
