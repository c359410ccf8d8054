import { AsyncLocalStorage } from 'node:async_hooks';
import type { Counter, Gauge, Histogram } from './handles.js';
import type { Labels } from './labels.js';
import type { Recorder } from './recorder.js';
import { NoopRecorder } from './recorder.js';
import { sharedState } from './shared-state.js';
import type { Unit } from './units.js';

interface FacadeState {
  /** The built-in no-op recorder (one per process, so `hasGlobalRecorder` agrees across copies). */
  readonly noop: Recorder;
  recorder: Recorder;
  // While no local recorder is active the facade skips AsyncLocalStorage entirely, so the
  // common path is one property read.
  localActive: number;
  readonly local: AsyncLocalStorage<Recorder>;
}

// One per process, shared by the ES module and CommonJS copies (see shared-state.ts).
const state = sharedState<FacadeState>('facade', () => {
  const noop = new NoopRecorder();
  return { noop, recorder: noop, localActive: 0, local: new AsyncLocalStorage<Recorder>() };
});
const NOOP = state.noop;

function current(): Recorder {
  return state.localActive === 0 ? state.recorder : (state.local.getStore() ?? state.recorder);
}

/**
 * Installs `recorder` as the global recorder the facade forwards to, replacing the one
 * installed before (which is returned, so callers can restore or combine it).
 */
export function setGlobalRecorder(recorder: Recorder): Recorder {
  const previous = state.recorder;
  state.recorder = recorder;
  return previous;
}

/** The installed global recorder (a no-op recorder when none is). */
export function getGlobalRecorder(): Recorder {
  return state.recorder;
}

/** True when a recorder other than the built-in no-op one is installed. */
export function hasGlobalRecorder(): boolean {
  return state.recorder !== NOOP;
}

/** Puts the no-op recorder back; returns the one that was installed. */
export function clearGlobalRecorder(): Recorder {
  return setGlobalRecorder(NOOP);
}

/**
 * Runs `fn` with `recorder` in place of the global one, for `fn` and everything it awaits
 * (through AsyncLocalStorage), then restores. For tests: each can record into its own registry.
 */
export function withLocalRecorder<T>(recorder: Recorder, fn: () => T): T {
  state.localActive++;
  let result: T;
  try {
    result = state.local.run(recorder, fn);
  } catch (err) {
    state.localActive--;
    throw err;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    return Promise.resolve(result).finally(() => {
      state.localActive--;
    }) as T;
  }
  state.localActive--;
  return result;
}

/** A counter handle for `name` and `labels` from the current recorder. */
export function counter(name: string, labels?: Labels): Counter {
  return current().registerCounter(name, labels);
}

/** A gauge handle for `name` and `labels` from the current recorder. */
export function gauge(name: string, labels?: Labels): Gauge {
  return current().registerGauge(name, labels);
}

/** A histogram handle for `name` and `labels` from the current recorder. */
export function histogram(name: string, labels?: Labels): Histogram {
  return current().registerHistogram(name, labels);
}

/** Describes a counter (unit and help text) to the current recorder. */
export function describeCounter(name: string, unit?: Unit, description?: string): void {
  current().describeCounter(name, unit, description);
}

/** Describes a gauge (unit and help text) to the current recorder. */
export function describeGauge(name: string, unit?: Unit, description?: string): void {
  current().describeGauge(name, unit, description);
}

/** Describes a histogram (unit and help text) to the current recorder. */
export function describeHistogram(name: string, unit?: Unit, description?: string): void {
  current().describeHistogram(name, unit, description);
}
