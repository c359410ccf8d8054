/** `meterkit/prometheus`: Prometheus text 0.0.4 and OpenMetrics 1.0, the HTTP handler, pushgateway. */
export {
  PROMETHEUS_CONTENT_TYPE,
  OPENMETRICS_CONTENT_TYPE,
  formatValue,
  formatBound,
  escapeLabelValue,
  escapeHelp,
  negotiateFormat,
  negotiate,
} from './format.js';
export { render, renderChunks, SUMMARY_QUANTILES } from './render.js';

export type { ExpositionFormat, Negotiated } from './format.js';
export type { MetricSource, RenderOptions, ChunkOptions } from './render.js';
export { createMetricsHandler, scrapeTimeoutMs } from './handler.js';
export { acceptsGzip } from '../http/negotiate.js';
export { push, deleteGroup, startPushing, groupUrl } from './pushgateway.js';
export type { CollectingSource, MetricsHandlerOptions } from './handler.js';
export type { PushOptions, IntervalPushOptions, PushLoop } from './pushgateway.js';
