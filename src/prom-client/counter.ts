import { format } from 'node:util';
import { brand } from '../core/brand.js';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { Exemplar, StoredExemplar } from '../core/exemplar.js';
import type { Counter as CoreCounter } from '../core/handles.js';
import type { Labels } from '../core/labels.js';
import type { CounterView } from '../core/series.js';
import { braces, exemplarSuffix, header, missingDefaults, num, pairs } from './format.js';
import type { Out, RenderContext } from './format.js';
import type { LabelValues, MetricConfiguration, MetricValue } from './metric.js';
import { Metric } from './metric.js';
import type { Registry as CoreRegistry } from '../core/registry.js';

/** prom-client's `incWithExemplar` argument. */
export interface IncreaseDataWithExemplar<T extends string> {
  labels?: LabelValues<T>;
  value?: number;
  exemplarLabels?: Record<string, string>;
}

/** prom-client's rule for an increment: a finite number ≥ 0 (missing means 1). */
function amount(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (value && !Number.isFinite(value)) throw new MeterkitError(ErrorCode.InvalidValue, `Value is not a valid number: ${format(value)}`);
  if ((value as number) < 0) throw new MeterkitError(ErrorCode.InvalidValue, 'It is not possible to decrease a counter');
  return value as number;
}

/** prom-client's exemplar: labels, value and time, turned into meterkit's. */
function exemplarOf(exemplarLabels: Record<string, string> | undefined, value: number): Exemplar | undefined {
  if (exemplarLabels === undefined || Object.keys(exemplarLabels).length === 0) return undefined;
  return { labels: exemplarLabels, value: value === 0 ? 1 : value };
}

/** prom-client's `Counter`, on a meterkit counter per label set. */
export class Counter<T extends string = string> extends Metric<T> {
  readonly type = 'counter' as const;

  constructor(config: MetricConfiguration<T>, store?: CoreRegistry) {
    super(config, store);
    if (!this.adopted) {
      this.store.describeCounter(this.name, undefined, this.help);
      this.reset();
    }
    this.register(config);
  }

  /** The core handle of a label set (resolved by the core's trie: a hit allocates nothing). */
  private handle(labels: Labels | undefined): CoreCounter {
    return this.store.registerCounter(this.name, labels);
  }

  /**
   * Adds `value` (default 1) to the series of `labels`: `inc()`, `inc(5)`, `inc({ code: 200 })`,
   * `inc({ code: 200 }, 5)`; with `enableExemplars`, `inc({ labels, value, exemplarLabels })`.
   */
  inc(labels?: LabelValues<T> | IncreaseDataWithExemplar<T> | number, value?: number): void {
    if (this.enableExemplars) {
      const o = (labels ?? {}) as IncreaseDataWithExemplar<T>;
      const v = amount(o.value);
      const l = o.labels === undefined ? undefined : this.checked(o.labels);
      this.handle(l).increment(v, exemplarOf(o.exemplarLabels, v));
      return;
    }
    if (labels !== null && typeof labels === 'object') {
      const l = this.checked(labels);
      this.handle(l).increment(amount(value));
    } else {
      this.handle(undefined).increment(amount(labels));
    }
  }

  /** A child bound to one label set (an object or positional values). */
  labels(...args: unknown[]): { inc(value?: number): void } {
    // the core handle is kept: after a remove or reset its next update brings the series back
    const h = this.handle(this.labelArgs(args));
    return { inc: (value?: number) => h.increment(amount(value)) };
  }

  /** Removes every series; a metric without label names starts again at 0. */
  reset(): void {
    this.store.removeAll(this.name);
    // an adopted family's series are its collector's: it brings them back at the next read
    if (this.labelNames.length === 0 && !this.adopted) this.handle(undefined);
  }

  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    this.eachSeries((s, names, values) => {
      const v: MetricValue = { value: (s as CounterView).value, labels: this.labelObject(names, values) };
      const e = (s as CounterView).exemplar;
      if (e !== null) v.exemplar = jsonExemplar(e);
      out.push(v);
    });
    return out;
  }

  render(ctx: RenderContext, out: Out): void {
    const base = ctx.openMetrics ? this.name.replace(/_total$/, '') : this.name;
    const sample = ctx.openMetrics ? `${base}_total` : base;
    out.write(header(ctx, base, this.help, 'counter'));
    this.eachSeries((series, names, values) => {
      const c = series as CounterView;
      out.write(`${sample}${braces(pairs(names, values), missingDefaults(ctx, names))} ${num(c.value)}${exemplarSuffix(ctx, c.exemplar)}\n`);
    });
  }
}
// instanceof holds across the ES module and CommonJS copies (the global register is shared)
brand(Counter, 'prom-client.counter');

/** An exemplar in prom-client's JSON shape. */
export function jsonExemplar(e: StoredExemplar): { labelSet: Record<string, string>; value: number; timestamp: number } {
  const labelSet: Record<string, string> = {};
  for (let i = 0; i < e.labels.length; i += 2) labelSet[e.labels[i] as string] = e.labels[i + 1] as string;
  return { labelSet, value: e.value, timestamp: e.timestamp / 1000 };
}
