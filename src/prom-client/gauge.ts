import { format } from 'node:util';
import { brand } from '../core/brand.js';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { Labels } from '../core/labels.js';
import type { TimedGauge } from '../core/handles.js';
import type { GaugeView } from '../core/series.js';
import { braces, header, missingDefaults, num, pairs } from './format.js';
import type { Out, RenderContext } from './format.js';
import type { LabelValues, MetricConfiguration, MetricValue } from './metric.js';
import { Metric } from './metric.js';
import type { Registry as CoreRegistry } from '../core/registry.js';
import { setToCurrentTime, startTimer } from '../core/timer.js';

function checkNumber(what: string, v: unknown): number {
  if (typeof v !== 'number') throw new MeterkitError(ErrorCode.InvalidValue, `${what} is not a valid number: ${format(v)}`);
  return v;
}

/** A gauge child bound to one label set. */
export interface GaugeChild<T extends string = string> {
  inc(value?: number): void;
  dec(value?: number): void;
  set(value: number): void;
  setToCurrentTime(): void;
  startTimer(): (labels?: LabelValues<T>) => number;
}

/** prom-client's `Gauge`, on a meterkit gauge per label set. */
export class Gauge<T extends string = string> extends Metric<T> {
  readonly type = 'gauge' as const;

  constructor(config: MetricConfiguration<T>, store?: CoreRegistry) {
    super(config, store);
    if (!this.adopted) {
      this.store.describeGauge(this.name, undefined, this.help);
      this.reset();
    }
    this.register(config);
  }

  private handle(labels: Labels | undefined): TimedGauge {
    return this.store.registerGauge(this.name, labels);
  }

  /** Splits prom-client's `(labels?, value?)` arguments. */
  private split(labels: LabelValues<T> | number | undefined, value: number | undefined): [Labels | undefined, number | undefined] {
    if (labels !== null && typeof labels === 'object') return [this.checked(labels), value];
    return [undefined, labels];
  }

  /** Sets the series of `labels` to `value`. */
  set(labels: LabelValues<T> | number, value?: number): void {
    const [l, v] = this.split(labels, value);
    this.handle(l).set(checkNumber('Value', v));
  }

  /** Adds `value` (default 1). */
  inc(labels?: LabelValues<T> | number, value?: number): void {
    const [l, v] = this.split(labels, value);
    this.handle(l).increment(checkNumber('Delta', v ?? 1));
  }

  /** Subtracts `value` (default 1). */
  dec(labels?: LabelValues<T> | number, value?: number): void {
    const [l, v] = this.split(labels, value);
    this.handle(l).decrement(checkNumber('Delta', v ?? 1));
  }

  /** Sets the gauge to the current Unix time in seconds (ms precision). */
  setToCurrentTime(labels?: LabelValues<T>): void {
    setToCurrentTime(this.handle(labels === undefined ? undefined : this.checked(labels)));
  }

  /** Starts a timer; the returned `end(labels?)` sets the gauge to the seconds elapsed and returns them. */
  startTimer(labels?: LabelValues<T>): (endLabels?: LabelValues<T>) => number {
    const elapsed = startTimer();
    return (endLabels) => {
      const v = elapsed();
      this.set({ ...labels, ...endLabels } as LabelValues<T>, v);
      return v;
    };
  }

  /** A child bound to one label set (an object or positional values). */
  labels(...args: unknown[]): GaugeChild<T> {
    const l = this.labelArgs(args) as LabelValues<T>;
    return {
      inc: (v?: number) => this.inc(l, v),
      dec: (v?: number) => this.dec(l, v),
      set: (v: number) => this.set(l, v),
      setToCurrentTime: () => this.setToCurrentTime(l),
      startTimer: () => this.startTimer(l),
    };
  }

  /** Removes every series; a gauge without label names starts again at 0. */
  reset(): void {
    this.store.removeAll(this.name);
    // an adopted family's series are its collector's: it brings them back at the next read
    if (this.labelNames.length === 0 && !this.adopted) this.handle(undefined);
  }

  /** The current value of the series of `labels` (0 when it has none). */
  _getValue(labels?: LabelValues<T>): number {
    const l = labels === undefined ? undefined : this.checked(labels);
    const f = this.store.family(this.name);
    if (f === undefined) return 0;
    let found = 0;
    const want: Readonly<Record<string, string>> = (l ?? {}) as Record<string, string>;
    this.eachSeries((s, names, values) => {
      if (names.length === Object.keys(want).length && names.every((n, i) => want[n] === values[i])) found = (s as GaugeView).value;
    });
    return found;
  }

  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    this.eachSeries((s, names, values) => out.push({ value: (s as GaugeView).value, labels: this.labelObject(names, values) }));
    return out;
  }

  render(ctx: RenderContext, out: Out): void {
    out.write(header(ctx, this.name, this.help, 'gauge'));
    this.eachSeries((series, names, values) => {
      out.write(`${this.name}${braces(pairs(names, values), missingDefaults(ctx, names))} ${num((series as GaugeView).value)}\n`);
    });
  }
}
// instanceof holds across the ES module and CommonJS copies (the global register is shared)
brand(Gauge, 'prom-client.gauge');
