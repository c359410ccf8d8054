import { ErrorCode, MeterkitError, describeValue } from './errors.js';
import type { Counter, Gauge, Histogram } from './handles.js';
import type { Labels } from './labels.js';
import { canonicalPairs, validateMetricName } from './labels.js';
import type { MetricKind, Recorder } from './recorder.js';
import type { Unit } from './units.js';
import { parseUnit } from './units.js';

/** One recorded series as a snapshot shows it. */
export interface SnapshotEntry {
  readonly kind: MetricKind;
  readonly name: string;
  /** Labels with names in sorted order. */
  readonly labels: Readonly<Record<string, string>>;
  readonly unit: Unit | undefined;
  readonly description: string | undefined;
  /** Counter total or gauge value; for histograms, the number of observations. */
  readonly value: number;
  /** Every observation of a histogram, in order; empty for counters and gauges. */
  readonly observations: readonly number[];
}

class Entry implements Counter, Gauge, Histogram {
  value = 0;
  readonly observations: number[] = [];
  constructor(
    readonly kind: MetricKind,
    readonly name: string,
    readonly labels: Record<string, string>,
  ) {}
  private check(v: unknown, what: string): number {
    if (typeof v !== 'number' || (this.kind === 'counter' && !(v >= 0 && v !== Infinity))) {
      const rule = this.kind === 'counter' ? 'a finite number ≥ 0' : 'a number';
      throw new MeterkitError(ErrorCode.InvalidValue, `invalid ${what} ${describeValue(v)} for metric "${this.name}": it must be ${rule}`);
    }
    return v;
  }
  increment(n = 1): void {
    this.value += this.check(n, 'increment');
  }
  decrement(n = 1): void {
    this.value -= this.check(n, 'decrement');
  }
  absolute(v: number): void {
    this.value = Math.max(this.value, this.check(v, 'value'));
  }
  set(v: number): void {
    this.value = this.check(v, 'value');
  }
  record(v: number): void {
    this.recordMany(v, 1);
  }
  recordMany(v: number, n: number): void {
    this.check(v, 'observation');
    for (let i = 0; i < n; i++) this.observations.push(v);
    this.value += n;
  }
}

/** What one snapshot held, with look-ups by kind, name and labels. */
export class Snapshot {
  constructor(readonly entries: readonly SnapshotEntry[]) {}

  /** The entry for this kind, name and label set (any order), or undefined. */
  get(kind: MetricKind, name: string, labels?: Labels): SnapshotEntry | undefined {
    const want = JSON.stringify(canonicalPairs(labels));
    return this.entries.find(
      (e) => e.kind === kind && e.name === name && JSON.stringify(Object.entries(e.labels)) === want,
    );
  }

  /** A counter's total, or undefined if it was never registered. */
  counter(name: string, labels?: Labels): number | undefined {
    return this.get('counter', name, labels)?.value;
  }

  /** A gauge's value, or undefined. */
  gauge(name: string, labels?: Labels): number | undefined {
    return this.get('gauge', name, labels)?.value;
  }

  /** A histogram's observations, or undefined. */
  histogram(name: string, labels?: Labels): readonly number[] | undefined {
    return this.get('histogram', name, labels)?.observations;
  }
}

/** Takes snapshots of a {@link DebuggingRecorder}. */
export class Snapshotter {
  constructor(private readonly source: DebuggingRecorder) {}

  /** Everything recorded so far, copied. */
  snapshot(): Snapshot {
    return this.source.snapshotNow();
  }
}

/**
 * A recorder for tests: keeps every counter and gauge value and every histogram observation,
 * so a test can assert exactly what code recorded. Not for production: histograms keep
 * every observation.
 */
export class DebuggingRecorder implements Recorder {
  private readonly entries = new Map<string, Entry>();
  private readonly meta = new Map<string, { unit?: Unit; description?: string }>();

  /** A snapshotter over this recorder. */
  snapshotter(): Snapshotter {
    return new Snapshotter(this);
  }

  /** Forgets everything recorded. */
  clear(): void {
    this.entries.clear();
    this.meta.clear();
  }

  /** @internal */
  snapshotNow(): Snapshot {
    const out: SnapshotEntry[] = [];
    for (const e of this.entries.values()) {
      const m = this.meta.get(`${e.kind}\u0000${e.name}`);
      out.push({
        kind: e.kind,
        name: e.name,
        labels: { ...e.labels },
        unit: m?.unit,
        description: m?.description,
        value: e.value,
        observations: [...e.observations],
      });
    }
    return new Snapshot(out);
  }

  private describe(kind: MetricKind, name: string, unit?: Unit, description?: string): void {
    validateMetricName(name);
    this.meta.set(`${kind}\u0000${name}`, { unit: unit === undefined ? undefined : parseUnit(unit), description });
  }

  private register(kind: MetricKind, name: string, labels?: Labels): Entry {
    validateMetricName(name);
    const pairs = canonicalPairs(labels);
    const key = `${kind}\u0000${name}\u0000${JSON.stringify(pairs)}`;
    let e = this.entries.get(key);
    if (e === undefined) {
      e = new Entry(kind, name, Object.fromEntries(pairs));
      this.entries.set(key, e);
    }
    return e;
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
    return this.register('counter', name, labels);
  }
  registerGauge(name: string, labels?: Labels): Gauge {
    return this.register('gauge', name, labels);
  }
  registerHistogram(name: string, labels?: Labels): Histogram {
    return this.register('histogram', name, labels);
  }
}
