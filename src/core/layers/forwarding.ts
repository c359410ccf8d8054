import type { Counter, Gauge, Histogram } from '../handles.js';
import { NOOP_HANDLE } from '../handles.js';
import type { Labels } from '../labels.js';
import type { MetricKind, Recorder } from '../recorder.js';
import { describeByKind } from '../recorder.js';
import type { Unit } from '../units.js';

/** Where a forwarding layer sends one metric: a recorder and the name to use there. */
export type Route = readonly [recorder: Recorder, name: string];

/**
 * Base of the layers that pass each metric to one inner recorder, possibly renamed or
 * relabelled, or drop it (a dropped metric gets a no-op handle). Subclasses decide the route.
 */
export abstract class ForwardingRecorder implements Recorder {
  /** Where `name` of `kind` goes, or null to drop it. */
  protected abstract route(kind: MetricKind, name: string): Route | null;

  /** The labels the inner recorder sees. */
  protected relabel(labels: Labels | undefined): Labels | undefined {
    return labels;
  }

  private describe(kind: MetricKind, name: string, unit?: Unit, description?: string): void {
    const r = this.route(kind, name);
    if (r !== null) describeByKind(r[0], kind, r[1], unit, description);
  }

  describeCounter(name: string, unit?: Unit, description?: string): void {
    this.describe('counter', name, unit, description);
  }
  describeGauge(name: string, unit?: Unit, description?: string): void {
    this.describe('gauge', name, unit, description);
  }
  describeHistogram(name: string, unit?: Unit, description?: string): void {
    this.describe('histogram', name, unit, description);
  }

  registerCounter(name: string, labels?: Labels): Counter {
    const r = this.route('counter', name);
    return r === null ? NOOP_HANDLE : r[0].registerCounter(r[1], this.relabel(labels));
  }
  registerGauge(name: string, labels?: Labels): Gauge {
    const r = this.route('gauge', name);
    return r === null ? NOOP_HANDLE : r[0].registerGauge(r[1], this.relabel(labels));
  }
  registerHistogram(name: string, labels?: Labels): Histogram {
    const r = this.route('histogram', name);
    return r === null ? NOOP_HANDLE : r[0].registerHistogram(r[1], this.relabel(labels));
  }
}
