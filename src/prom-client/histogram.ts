import { validateBuckets } from '../core/buckets.js';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { brand } from '../core/brand.js';
import type { HistogramSeries, HistogramView } from '../core/series.js';
import { jsonExemplar } from './counter.js';
import { braces, exemplarSuffix, header, missingDefaults, num, pairs } from './format.js';
import type { Out, RenderContext } from './format.js';
import type { LabelValues, MetricConfiguration, MetricValue } from './metric.js';
import { ObservedMetric, observation } from './observed.js';
import type { Registry as CoreRegistry } from '../core/registry.js';

/** prom-client's default histogram buckets. */
export const PROM_CLIENT_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Options of {@link Histogram}. */
export interface HistogramConfiguration<T extends string> extends MetricConfiguration<T> {
  buckets?: readonly number[];
}

/** prom-client's `observeWithExemplar` argument. */
export interface ObserveDataWithExemplar<T extends string> {
  labels?: LabelValues<T>;
  value: number;
  exemplarLabels?: Record<string, string>;
}

/** prom-client's `Histogram`, on a meterkit histogram per label set. */
export class Histogram<T extends string = string> extends ObservedMetric<T> {
  readonly type = 'histogram' as const;
  readonly upperBounds: readonly number[];

  constructor(config: HistogramConfiguration<T>, store?: CoreRegistry) {
    super(config, store);
    if (this.labelNames.includes('le' as T)) throw new MeterkitError(ErrorCode.InvalidLabelName, 'le is a reserved label keyword');
    const bounds = this.adopted ? this.store.family(this.name)?.layout?.bounds : undefined;
    // core's bucket rule (a trailing Infinity dropped: the +Inf bucket is always written)
    this.upperBounds = Object.freeze([...(bounds ?? validateBuckets(config.buckets ?? PROM_CLIENT_BUCKETS, this.name))]);
    if (!this.adopted) {
      this.store.describeHistogram(this.name, undefined, this.help);
      this.store.setHistogramOptions(this.name, { buckets: this.upperBounds });
      if (this.labelNames.length === 0) this.handle(undefined);
    }
    this.register(config);
  }

  /**
   * Records `value` into the series of `labels`: `observe(v)`, `observe({ route }, v)`; with
   * `enableExemplars`, `observe({ labels, value, exemplarLabels })`.
   */
  override observe(labels: LabelValues<T> | ObserveDataWithExemplar<T> | number, value?: number): void {
    if (this.enableExemplars) {
      const o = labels as ObserveDataWithExemplar<T>;
      const v = observation(o.value);
      const l = o.labels === undefined ? undefined : this.checked(o.labels);
      const ex = o.exemplarLabels === undefined || Object.keys(o.exemplarLabels).length === 0 ? undefined : { labels: o.exemplarLabels };
      this.handle(l).record(v, ex);
      return;
    }
    super.observe(labels as LabelValues<T> | number, value);
  }

  /** Creates (or zeroes) the series of `labels`, so it is exported before its first observation. */
  zero(labels: LabelValues<T>): void {
    (this.handle(this.checked(labels)) as HistogramSeries).reset();
  }

  /** Removes every series, the label-less one included (as prom-client does). */
  reset(): void {
    this.store.removeAll(this.name);
  }

  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    const bounds = this.upperBounds;
    this.eachSeries((series, names, values) => {
      const h = series as HistogramView;
      let acc = 0;
      for (let i = 0; i < bounds.length; i++) {
        acc += h.bucketCounts[i] as number;
        out.push({ value: acc, metricName: `${this.name}_bucket`, exemplar: this.jsonBucketExemplar(h, i), labels: { le: bounds[i] as number, ...this.labelObject(names, values) } });
      }
      out.push({ value: h.count, metricName: `${this.name}_bucket`, exemplar: this.jsonBucketExemplar(h, bounds.length), labels: { le: '+Inf', ...this.labelObject(names, values) } });
      out.push({ value: h.sum, metricName: `${this.name}_sum`, exemplar: undefined, labels: this.labelObject(names, values) });
      out.push({ value: h.count, metricName: `${this.name}_count`, exemplar: undefined, labels: this.labelObject(names, values) });
    });
    return out;
  }

  private jsonBucketExemplar(h: HistogramView, i: number): unknown {
    const e = h.exemplars?.[i];
    return e === null || e === undefined ? null : jsonExemplar(e);
  }

  render(ctx: RenderContext, out: Out): void {
    const name = this.name;
    const les = this.upperBounds.map((b) => `le="${num(b)}"`);
    out.write(header(ctx, name, this.help, 'histogram'));
    this.eachSeries((series, names, values) => {
      const h = series as HistogramView;
      const own = pairs(names, values);
      const missing = missingDefaults(ctx, names);
      const ex = h.exemplars;
      let acc = 0;
      for (let i = 0; i < les.length; i++) {
        acc += h.bucketCounts[i] as number;
        out.write(`${name}_bucket${braces(les[i] as string, missing, own)} ${acc}${ex === null ? '' : exemplarSuffix(ctx, ex[i])}\n`);
      }
      const rest = braces(missing, own);
      out.write(`${name}_bucket${braces('le="+Inf"', missing, own)} ${h.count}${ex === null ? '' : exemplarSuffix(ctx, ex[les.length])}\n`);
      out.write(`${name}_sum${rest} ${num(h.sum)}\n${name}_count${rest} ${h.count}\n`);
    });
  }
}
// instanceof holds across the ES module and CommonJS copies (the global register is shared)
brand(Histogram, 'prom-client.histogram');
