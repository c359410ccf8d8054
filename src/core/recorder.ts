import type { Counter, Gauge, Histogram } from './handles.js';
import { NOOP_HANDLE } from './handles.js';
import type { Labels } from './labels.js';
import type { Unit } from './units.js';

/** The kinds of metric a recorder knows. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/**
 * What every exporter and layer implements. Code that records metrics never sees this
 * directly: it uses the facade (`counter()`, `gauge()`, …), which forwards to the installed one.
 */
export interface Recorder {
  /** Sets the unit and description of a counter. */
  describeCounter(name: string, unit?: Unit, description?: string): void;
  /** Sets the unit and description of a gauge. */
  describeGauge(name: string, unit?: Unit, description?: string): void;
  /** Sets the unit and description of a histogram. */
  describeHistogram(name: string, unit?: Unit, description?: string): void;
  /** Resolves a counter handle for `name` and `labels`. */
  registerCounter(name: string, labels?: Labels): Counter;
  /** Resolves a gauge handle for `name` and `labels`. */
  registerGauge(name: string, labels?: Labels): Gauge;
  /** Resolves a histogram handle for `name` and `labels`. */
  registerHistogram(name: string, labels?: Labels): Histogram;
}

/** A recorder that records nothing; what the facade uses until one is installed. */
export class NoopRecorder implements Recorder {
  describeCounter(): void {}
  describeGauge(): void {}
  describeHistogram(): void {}
  registerCounter(): Counter {
    return NOOP_HANDLE;
  }
  registerGauge(): Gauge {
    return NOOP_HANDLE;
  }
  registerHistogram(): Histogram {
    return NOOP_HANDLE;
  }
}

/** Calls the `describe*` method of `recorder` that matches `kind`. */
export function describeByKind(
  recorder: Recorder,
  kind: MetricKind,
  name: string,
  unit?: Unit,
  description?: string,
): void {
  if (kind === 'counter') recorder.describeCounter(name, unit, description);
  else if (kind === 'gauge') recorder.describeGauge(name, unit, description);
  else recorder.describeHistogram(name, unit, description);
}

/** Calls the `register*` method of `recorder` that matches `kind`. */
export function registerByKind(
  recorder: Recorder,
  kind: MetricKind,
  name: string,
  labels?: Labels,
): Counter | Gauge | Histogram {
  if (kind === 'counter') return recorder.registerCounter(name, labels);
  if (kind === 'gauge') return recorder.registerGauge(name, labels);
  return recorder.registerHistogram(name, labels);
}

/** A recorder that can also unpublish a series (a Registry can; so can a fanout of them). */
export interface RemovingRecorder extends Recorder {
  /** Removes one series; true when it existed. */
  remove(name: string, labels?: Labels): boolean;
}

/** A feature's table of its own metrics: name, kind, unit and help. */
export type MetricRow = readonly [name: string, kind: 'counter' | 'gauge', unit: Unit | undefined, help: string];

/** Describes every metric of a table on `recorder`. */
export function describeRows(recorder: Recorder, rows: Iterable<MetricRow>): void {
  for (const [name, kind, unit, help] of rows) describeByKind(recorder, kind, name, unit, help);
}
