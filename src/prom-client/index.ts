/**
 * `meterkit/prom-client`: prom-client 15's public API on meterkit's core. Change
 * `from 'prom-client'` to `from 'meterkit/prom-client'`; `/metrics` stays the same (README,
 * "Migrating from prom-client", lists the few differences).
 */
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from '../prometheus/index.js';

export { Registry, register } from './registry.js';
export { Counter } from './counter.js';
export { Gauge } from './gauge.js';
export { Histogram, PROM_CLIENT_BUCKETS } from './histogram.js';
export { Summary, PROM_CLIENT_PERCENTILES } from './summary.js';
export { validateMetricName, validateLabelName } from './metric.js';
export { linearBuckets, exponentialBuckets } from '../core/buckets.js';
export { collectDefaultMetrics } from './default-metrics.js';
export { Pushgateway } from './pushgateway.js';
export { AggregatorRegistry, aggregators } from './cluster.js';

/** The global registry's content type when this module loaded (use `register.setContentType` to change it). */
export const contentType = PROMETHEUS_CONTENT_TYPE;
/** prom-client's `prometheusContentType`. */
export const prometheusContentType = PROMETHEUS_CONTENT_TYPE;
/** prom-client's `openMetricsContentType`. */
export const openMetricsContentType = OPENMETRICS_CONTENT_TYPE;

export type { IncreaseDataWithExemplar } from './counter.js';
export type { GaugeChild } from './gauge.js';
export type { HistogramConfiguration, ObserveDataWithExemplar } from './histogram.js';
export type { SummaryConfiguration } from './summary.js';
export type { DefaultMetricsCollectorConfiguration } from './default-metrics.js';
export type { AnyMetric, PlainMetric } from './registry.js';
export type { PushParameters, PushgatewayOptions } from './pushgateway.js';
export type { Aggregator, LabelValues, MetricConfiguration, MetricObjectWithValues, MetricType, MetricValue, Metric } from './metric.js';
