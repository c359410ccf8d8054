import { inspect } from 'node:util';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { FamilyView } from '../core/family.js';
import type { Labels } from '../core/labels.js';
import { isValidMetricName, validateLabelName as checkLabelName } from '../core/labels.js';
import { Registry as CoreRegistry } from '../core/registry.js';
import type { SeriesView } from '../core/series.js';
import type { Out, RenderContext } from './format.js';
import { globalRegistry } from './global.js';

/** Label values by name, as prom-client takes them (numbers are written as strings). */
export type LabelValues<T extends string = string> = Partial<Record<T, string | number>>;

/** How the cluster aggregator combines this metric's values across workers. */
export type Aggregator = 'omit' | 'sum' | 'first' | 'min' | 'max' | 'average';

/** The kinds prom-client knows. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** One value of {@link Metric.get}: prom-client's shape. */
export interface MetricValue<T extends string = string> {
  value: number;
  labels: LabelValues<T> & Record<string, string | number>;
  metricName?: string;
  exemplar?: unknown;
}

/** What {@link Metric.get} resolves to (and `getMetricsAsJSON` lists). */
export interface MetricObjectWithValues<T extends string = string> {
  name: string;
  help: string;
  type: MetricType;
  aggregator: Aggregator;
  values: Array<MetricValue<T>>;
}

/** The registry side a metric registers with (the shim's Registry). */
export interface MetricHost {
  readonly contentType: string;
  registerMetric(metric: Metric): void;
}

/** Constructor options shared by every metric type. */
export interface MetricConfiguration<T extends string = string> {
  name: string;
  help: string;
  labelNames?: readonly T[];
  registers?: readonly MetricHost[];
  aggregator?: Aggregator;
  /** Runs before each read (`metrics()`, `get()`); `this` is the metric. May return a promise. */
  collect?: (this: never) => void | Promise<void>;
  enableExemplars?: boolean;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** prom-client's `validateMetricName`: true when `name` is a valid Prometheus metric name. */
export function validateMetricName(name: string): boolean {
  return isValidMetricName(name);
}

/** prom-client's `validateLabelName`: true when every name is a valid label name. */
export function validateLabelName(names: readonly string[] = []): boolean {
  return names.every((n) => typeof n === 'string' && LABEL_NAME.test(n));
}

function fail(code: string, message: string): never {
  throw new MeterkitError(code, message);
}

/**
 * Label values that were not strings (numbers, booleans, undefined), by label name and by the
 * string meterkit stores: `get()` gives them back as the caller gave them, as prom-client does.
 */
type RawValues = Map<string, Map<string, unknown>>;

/**
 * A labels argument with every value a string (prom-client hashes `200` and `'200'` alike, and
 * writes `undefined` as "undefined"); each non-string value is remembered in `raw`.
 */
function stringValues(labels: Readonly<Record<string, unknown>>, raw: RawValues): Labels {
  const out: Record<string, string> = {};
  for (const k in labels) {
    const v = labels[k];
    if (typeof v === 'string') {
      out[k] = v;
      continue;
    }
    const s = String(v);
    out[k] = s;
    let byString = raw.get(k);
    if (byString === undefined) raw.set(k, (byString = new Map()));
    if (!byString.has(s)) byString.set(s, v);
  }
  return out;
}

/**
 * What every shim metric shares: prom-client's constructor checks and registration, label
 * checking, and the storage: one meterkit core registry per metric (a prom-client metric may
 * sit in several registries, or in none, so it owns its series; a registry only lists it).
 */
export abstract class Metric<T extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly T[];
  readonly aggregator: Aggregator;
  readonly enableExemplars: boolean;
  readonly collect: (() => void | Promise<void>) | undefined;
  abstract readonly type: MetricType;
  /** The series, in a core registry of this metric alone. */
  protected readonly store: CoreRegistry;
  /** True when the store came from outside (see the constructor). */
  protected readonly adopted: boolean;
  private readonly allowed: ReadonlySet<string>;
  /** Non-string label values seen (see {@link RawValues}); bounded by the values ever given. */
  private readonly raw: RawValues = new Map();

  /**
   * @param store internal: a core registry whose family of this name the metric shows as it is
   * (collectDefaultMetrics wraps the process collector's families); the metric then neither
   * creates nor resets series on construction.
   */
  constructor(config: MetricConfiguration<T>, store?: CoreRegistry) {
    if (config === null || typeof config !== 'object') throw new MeterkitError(ErrorCode.InvalidArgument, 'constructor expected a config object');
    if (!config.help) fail(ErrorCode.InvalidArgument, 'Missing mandatory help parameter');
    if (!config.name) fail(ErrorCode.InvalidName, 'Missing mandatory name parameter');
    if (!validateMetricName(config.name)) fail(ErrorCode.InvalidName, 'Invalid metric name');
    const labelNames = config.labelNames ?? [];
    if (!validateLabelName(labelNames)) fail(ErrorCode.InvalidLabelName, 'Invalid label name');
    // meterkit also refuses names starting with "__" (reserved by Prometheus): here, not at the first update
    for (const n of labelNames) checkLabelName(n, config.name);
    if (config.collect !== undefined && typeof config.collect !== 'function') {
      fail(ErrorCode.InvalidArgument, 'Optional "collect" parameter must be a function');
    }
    this.name = config.name;
    this.help = config.help;
    this.labelNames = [...labelNames];
    this.aggregator = config.aggregator ?? 'sum';
    this.enableExemplars = config.enableExemplars === true;
    this.collect = config.collect as (() => void | Promise<void>) | undefined;
    this.allowed = new Set(labelNames);
    this.adopted = store !== undefined;
    // prom-client has no cardinality limit: neither does the shim
    this.store = store ?? new CoreRegistry({ cardinalityLimit: Number.MAX_SAFE_INTEGER });
  }

  /** Registers with `config.registers` (default: the global registry); subclasses call it last. */
  protected register(config: MetricConfiguration<T>): void {
    const registers = config.registers ?? [globalRegistry()];
    for (const r of registers) {
      if (this.enableExemplars && r.contentType.startsWith('text/plain')) {
        fail(ErrorCode.InvalidArgument, 'Exemplars are supported only on OpenMetrics registries');
      }
      r.registerMetric(this);
    }
  }

  /**
   * `labels` checked as prom-client checks them (every name declared) with string values:
   * the object itself when it already is (the hot path allocates nothing).
   */
  protected checked(labels: object): Labels {
    const o = labels as Readonly<Record<string, unknown>>;
    let plain = true;
    for (const k in o) {
      if (!this.allowed.has(k)) {
        fail(ErrorCode.InvalidLabelName, `Added label "${k}" is not included in initial labelset: ${inspect(this.labelNames)}`);
      }
      if (typeof o[k] !== 'string') plain = false;
    }
    return plain ? (o as Labels) : stringValues(o, this.raw);
  }

  /** prom-client's `getLabels`: one labels object, or one positional value per label name. */
  protected labelArgs(args: readonly unknown[]): Labels {
    const first = args[0];
    if (first !== null && typeof first === 'object') return this.checked(first);
    if (args.length !== this.labelNames.length) {
      fail(
        ErrorCode.InvalidArgument,
        `Invalid number of arguments (${args.length}): "${args.join(', ')}" for label names (${this.labelNames.length}): "${this.labelNames.join(', ')}".`,
      );
    }
    const out: Record<string, unknown> = {};
    this.labelNames.forEach((n, i) => (out[n] = args[i]));
    return stringValues(out, this.raw);
  }

  /** Runs the `collect` callback (with `this` the metric), awaiting it if it returns a promise. */
  async runCollect(): Promise<void> {
    if (this.collect !== undefined) await this.collect.call(this);
  }

  /** The family of this metric's series (undefined before the first). */
  protected family(): FamilyView | undefined {
    return this.store.family(this.name);
  }

  /** The core family behind this metric, for meterkit/cluster snapshots (read-only). */
  coreFamily(): FamilyView | undefined {
    return this.family();
  }

  /** Calls `cb` for each series with its label names and values, in first-seen order. */
  protected eachSeries(cb: (s: SeriesView, names: readonly string[], values: readonly string[]) => void): void {
    this.family()?.forEachSeries((s, values) => cb(s, s.owner.labelNames, values));
  }

  /** Removes the series of the given labels (an object or positional values). */
  remove(...args: unknown[]): void {
    this.store.remove(this.name, this.labelArgs(args));
  }

  /** Back to the state after construction. */
  abstract reset(): void;

  /** prom-client's `get()`: runs `collect`, then the values in prom-client's shape. */
  async get(): Promise<MetricObjectWithValues<T>> {
    await this.runCollect();
    return { help: this.help, name: this.name, type: this.type, values: this.values() as Array<MetricValue<T>>, aggregator: this.aggregator };
  }

  /** The values of {@link Metric.get}, without running `collect`. */
  protected abstract values(): MetricValue[];

  /** This metric's exposition (HELP, TYPE, samples), each line ending with a newline. */
  abstract render(ctx: RenderContext, out: Out): void;

  /**
   * A series' labels as an object, for `get()` (a fresh object each time: callers may mutate
   * it), each value as the caller gave it (a number stays a number).
   */
  protected labelObject(names: readonly string[], values: readonly string[]): Record<string, string | number> {
    const o: Record<string, string | number> = {};
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      const v = values[i] as string;
      const byString = this.raw.size === 0 ? undefined : this.raw.get(n);
      o[n] = byString !== undefined && byString.has(v) ? (byString.get(v) as string | number) : v;
    }
    return o;
  }
}
