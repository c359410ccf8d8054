import { ErrorCode, MeterkitError } from '../core/errors.js';
import { brand } from '../core/brand.js';
import type { HistogramSeries, HistogramView } from '../core/series.js';
import { braces, header, missingDefaults, num, pairs } from './format.js';
import type { Out, RenderContext } from './format.js';
import { ObservedMetric } from './observed.js';
import type { MetricConfiguration, MetricValue } from './metric.js';

/** prom-client's default summary percentiles. */
export const PROM_CLIENT_PERCENTILES: readonly number[] = Object.freeze([0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999]);

/** Options of {@link Summary}. */
export interface SummaryConfiguration<T extends string> extends MetricConfiguration<T> {
  percentiles?: readonly number[];
  /** Quantiles over the last `maxAgeSeconds` only (sum and count stay lifetime). */
  maxAgeSeconds?: number;
  /** Rotating windows inside `maxAgeSeconds`. No default: the window rotates only when both `maxAgeSeconds` and `ageBuckets` are given (prom-client's rule). */
  ageBuckets?: number;
  /** Accepted for compatibility; meterkit's sketch needs no compression. */
  compressCount?: number;
  /** Accepted for compatibility. */
  pruneAgedBuckets?: boolean;
}

/** A quantile estimate as prom-client reports it: 0 when there is none. */
function estimate(h: HistogramView, q: number): number {
  const v = h.sketch === null ? 0 : h.sketch.quantile(q);
  return v ? v : 0;
}

/**
 * prom-client's `Summary`, on a meterkit histogram with a quantile sketch per label set
 * (±1% relative error; prom-client's t-digest is an estimate too).
 */
export class Summary<T extends string = string> extends ObservedMetric<T> {
  readonly type = 'summary' as const;
  readonly percentiles: readonly number[];
  readonly maxAgeSeconds: number | undefined;
  readonly ageBuckets: number | undefined;

  constructor(config: SummaryConfiguration<T>) {
    super(config);
    if (this.labelNames.includes('quantile' as T)) throw new MeterkitError(ErrorCode.InvalidLabelName, 'quantile is a reserved label keyword');
    this.percentiles = Object.freeze([...(config.percentiles ?? PROM_CLIENT_PERCENTILES)]);
    this.maxAgeSeconds = config.maxAgeSeconds;
    this.ageBuckets = config.ageBuckets;
    // prom-client rotates only when both are given (TimeWindowQuantiles' shouldRotate)
    const windowed = config.maxAgeSeconds !== undefined && config.maxAgeSeconds > 0 && config.ageBuckets !== undefined && config.ageBuckets > 0;
    this.store.describeHistogram(this.name, undefined, this.help);
    this.store.setHistogramOptions(this.name, {
      buckets: [],
      quantiles: true,
      reportedQuantiles: this.percentiles,
      ...(windowed ? { maxAge: Math.round((config.maxAgeSeconds as number) * 1000), ageBuckets: config.ageBuckets } : {}),
    });
    if (this.labelNames.length === 0) this.handle(undefined);
    this.register(config);
  }

  /** Zeroes every series (they stay exported, as in prom-client). */
  reset(): void {
    this.eachSeries((s) => (s as HistogramSeries).reset());
  }

  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    this.eachSeries((series, names, values) => {
      const h = series as HistogramView;
      for (const q of this.percentiles) out.push({ labels: { quantile: q, ...this.labelObject(names, values) }, value: estimate(h, q) });
      out.push({ metricName: `${this.name}_sum`, labels: this.labelObject(names, values), value: h.sum });
      out.push({ metricName: `${this.name}_count`, labels: this.labelObject(names, values), value: h.count });
    });
    return out;
  }

  render(ctx: RenderContext, out: Out): void {
    const name = this.name;
    const qs = this.percentiles.map((q) => `quantile="${num(q)}"`);
    out.write(header(ctx, name, this.help, 'summary'));
    this.eachSeries((series, names, values) => {
      const h = series as HistogramView;
      const own = pairs(names, values);
      const missing = missingDefaults(ctx, names);
      for (let i = 0; i < qs.length; i++) out.write(`${name}${braces(qs[i] as string, own, missing)} ${num(estimate(h, this.percentiles[i] as number))}\n`);
      const rest = braces(own, missing);
      out.write(`${name}_sum${rest} ${num(h.sum)}\n${name}_count${rest} ${h.count}\n`);
    });
  }
}
// instanceof holds across the ES module and CommonJS copies (the global register is shared)
brand(Summary, 'prom-client.summary');
