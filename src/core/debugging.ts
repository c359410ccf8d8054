import type { Exemplar, StoredExemplar } from './exemplar.js';
import { toStoredExemplar } from './exemplar.js';
import type { Counter, Gauge, Histogram } from './handles.js';
import type { Labels } from './labels.js';
import { canonicalPairs, validateMetricName } from './labels.js';
import type { MetricKind, Recorder } from './recorder.js';
import type { Unit } from './units.js';
import { parseUnit } from './units.js';
import type { InvalidReason, InvalidUpdateHook, ValueRule } from './validate.js';
import { INVALID_UPDATES_METRIC, InvalidUpdates, isCount, isCounterValue, isFiniteNumber, reasonFor } from './validate.js';

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
  /** Every exemplar accepted, in order. */
  readonly exemplars: readonly StoredExemplar[];
}

/** An update a {@link DebuggingRecorder} dropped, as the Registry would have. */
export interface Rejection {
  readonly kind: MetricKind;
  readonly name: string;
  /** Labels with names in sorted order. */
  readonly labels: Readonly<Record<string, string>>;
  /** What was updated, e.g. "counter increment". */
  readonly what: string;
  /** The value given (for a bad exemplar: why it was refused). */
  readonly value: unknown;
  readonly reason: InvalidReason;
}

class Entry implements Counter, Gauge, Histogram {
  value = 0;
  readonly observations: number[] = [];
  readonly exemplars: StoredExemplar[] = [];
  constructor(
    readonly kind: MetricKind,
    readonly name: string,
    readonly labels: Record<string, string>,
    private readonly rec: DebuggingRecorder,
  ) {}
  /** Applies the Registry's rule; false (and the update reported) when it fails. */
  private ok(v: unknown, what: string, rule: ValueRule, next?: number): boolean {
    const valid = rule === 'counter' ? isCounterValue(v) : rule === 'count' ? isCount(v) : isFiniteNumber(v);
    if (valid && (next === undefined || isFiniteNumber(next))) return true;
    this.rec.reject(this, `${this.kind} ${what}`, v, rule);
    return false;
  }
  private keep(e: Exemplar | undefined, v: number): void {
    if (e === undefined) return;
    const stored = toStoredExemplar(e, v, Date.now());
    if (typeof stored === 'string') this.rec.reject(this, 'exemplar', stored, 'finite', 'bad_exemplar');
    else this.exemplars.push(stored);
  }
  increment(n: number = 1, exemplar?: Exemplar): void {
    const rule = this.kind === 'counter' ? 'counter' : 'finite';
    if (!this.ok(n, 'increment', rule, typeof n === 'number' ? this.value + n : undefined)) return;
    this.value += n;
    this.keep(exemplar, n);
  }
  decrement(n: number = 1): void {
    if (!this.ok(n, 'decrement', 'finite', typeof n === 'number' ? this.value - n : undefined)) return;
    this.value -= n;
  }
  absolute(v: number): void {
    if (this.ok(v, 'value', 'counter')) this.value = Math.max(this.value, v);
  }
  set(v: number): void {
    if (this.ok(v, 'value', 'finite')) this.value = v;
  }
  record(v: number, exemplar?: Exemplar): void {
    if (!this.ok(v, 'observation', 'finite')) return;
    this.observations.push(v);
    this.value += 1;
    this.keep(exemplar, v);
  }
  recordMany(v: number, n: number): void {
    if (!this.ok(v, 'observation', 'finite') || !this.ok(n, 'observation count', 'count')) return;
    for (let i = 0; i < n; i++) this.observations.push(v);
    this.value += n;
  }
}

/** What one snapshot held, with look-ups by kind, name and labels. */
export class Snapshot {
  constructor(
    readonly entries: readonly SnapshotEntry[],
    /** Updates dropped because their value broke the rule, in order. */
    readonly rejections: readonly Rejection[] = [],
  ) {}

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

/** Options of a {@link DebuggingRecorder}. */
export interface DebuggingRecorderOptions {
  /** Hears of the first dropped update of each metric, as the Registry's. Default: one process warning. */
  onError?: InvalidUpdateHook;
}

/**
 * A recorder for tests: keeps every counter and gauge value and every histogram observation,
 * so a test can assert exactly what code recorded. It applies the Registry's value rules
 * exactly: a bad update is dropped, counted in `meterkit_invalid_updates_total{metric,reason}`,
 * reported once per metric through `onError`, and listed in `snapshot().rejections`.
 * Not for production: histograms keep every observation.
 */
export class DebuggingRecorder implements Recorder {
  private readonly entries = new Map<string, Entry>();
  private readonly meta = new Map<string, { unit?: Unit; description?: string }>();
  private readonly rejections: Rejection[] = [];
  private readonly invalid: InvalidUpdates;

  constructor(options: DebuggingRecorderOptions = {}) {
    this.invalid = new InvalidUpdates((metric, reason) => this.register('counter', INVALID_UPDATES_METRIC, { metric, reason }).increment(), options.onError);
  }

  /** @internal an Entry's update broke the rule */
  reject(e: Entry, what: string, value: unknown, rule: ValueRule, reason: InvalidReason = reasonFor(value, rule)): void {
    this.rejections.push({ kind: e.kind, name: e.name, labels: { ...e.labels }, what, value, reason });
    this.invalid.report(e.name, what, value, rule, reason);
  }

  /** A snapshotter over this recorder. */
  snapshotter(): Snapshotter {
    return new Snapshotter(this);
  }

  /** Forgets everything recorded. */
  clear(): void {
    this.entries.clear();
    this.meta.clear();
    this.rejections.length = 0;
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
        exemplars: [...e.exemplars],
      });
    }
    return new Snapshot(out, [...this.rejections]);
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
      e = new Entry(kind, name, Object.fromEntries(pairs), this);
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
