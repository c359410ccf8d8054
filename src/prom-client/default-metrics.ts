import { ErrorCode, MeterkitError } from '../core/errors.js';
import { ConstantLabelsRecorder } from '../core/layers/rewrite.js';
import { Registry as CoreRegistry } from '../core/registry.js';
import { collectProcessMetrics } from '../collectors/process/index.js';
import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import { Histogram } from './histogram.js';
import type { Aggregator, MetricHost } from './metric.js';
import { register } from './registry.js';

/** prom-client's `collectDefaultMetrics` options. */
export interface DefaultMetricsCollectorConfiguration {
  /** Where the metrics go. Default: the global `register`. */
  register?: MetricHost;
  /** Put before every metric name. */
  prefix?: string;
  /** Labels on every sample of these metrics. */
  labels?: Record<string, string>;
  /** Buckets of `nodejs_gc_duration_seconds`. */
  gcDurationBuckets?: readonly number[];
  /** Event-loop delay sampling resolution in ms. Default 10. */
  eventLoopMonitoringPrecision?: number;
}

/**
 * prom-client's cluster aggregator of each default metric that does not sum (its
 * lib/metrics/*.js): a start time is per process, the version the same in every worker, lags
 * averaged or kept at their extreme.
 */
const AGGREGATORS: Readonly<Record<string, Aggregator>> = Object.freeze({
  process_start_time_seconds: 'omit',
  nodejs_version_info: 'first',
  nodejs_eventloop_lag_seconds: 'average',
  nodejs_eventloop_lag_min_seconds: 'min',
  nodejs_eventloop_lag_max_seconds: 'max',
  nodejs_eventloop_lag_mean_seconds: 'average',
  nodejs_eventloop_lag_stddev_seconds: 'average',
  nodejs_eventloop_lag_p50_seconds: 'average',
  nodejs_eventloop_lag_p90_seconds: 'average',
  nodejs_eventloop_lag_p99_seconds: 'average',
});

/** meterkit/process families prom-client does not write: the shim lists them nowhere. */
const LEFT_OUT: ReadonlySet<string> = new Set(['nodejs_eventloop_utilization']);

/**
 * prom-client's `collectDefaultMetrics`, on meterkit's process collector (same names and
 * labels): one core registry holds the series, read at each scrape, and each family is listed
 * in the target registry under its own name as prom-client lists them.
 */
export function collectDefaultMetrics(config: DefaultMetricsCollectorConfiguration = {}): void {
  if (config === null || typeof config !== 'object') {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'config must be null, undefined, or an object');
  }
  const store = new CoreRegistry({ cardinalityLimit: Number.MAX_SAFE_INTEGER });
  collectProcessMetrics(store, {
    ...(config.prefix === undefined ? {} : { prefix: config.prefix }),
    ...(config.labels === undefined || Object.keys(config.labels).length === 0 ? {} : { recorder: new ConstantLabelsRecorder(store, config.labels) }),
    ...(config.gcDurationBuckets === undefined ? {} : { gcDurationBuckets: config.gcDurationBuckets }),
    ...(config.eventLoopMonitoringPrecision === undefined ? {} : { eventLoopResolution: config.eventLoopMonitoringPrecision }),
  });
  const registers = [config.register ?? register];
  const collect = (): Promise<void> => store.collect();
  const prefix = config.prefix ?? '';
  for (const f of store.families()) {
    const base = f.name.slice(prefix.length);
    if (LEFT_OUT.has(base)) continue;
    const c = { name: f.name, help: f.description ?? f.name, registers, collect, aggregator: AGGREGATORS[base] ?? 'sum' };
    if (f.kind === 'counter') new Counter(c, store);
    else if (f.kind === 'gauge') new Gauge(c, store);
    else new Histogram(c, store);
  }
}
