/** `meterkit/monitor`: the peer monitor (ipfs-cluster's): metric windows with TTLs, ttl and phi-accrual detectors, alerts. */
export { Monitor } from './monitor.js';
export { MONITOR_DEFAULTS } from './options.js';
export type { MonitorOptions } from './options.js';
export { InvalidMetricError, INVALID_METRIC_FIELDS, checkMetric, checkMetricName, checkPeerId } from './validate.js';
export type { InvalidMetricField } from './validate.js';
export { PHI_DEFAULTS, phi } from './detector.js';
export { MONITOR_METRICS } from './metrics.js';
export {
  DEFAULT_NATS_SUBJECT,
  MAX_METRIC_NAME_LENGTH,
  MAX_PEER_ID_LENGTH,
  MAX_STRING_VALUE_LENGTH,
  METRIC_NAME_RULE,
  MONITOR_HTTP,
} from './types.js';
export type {
  Alert,
  AlertKind,
  DetectorOptions,
  Metric,
  MetricInput,
  PeerSet,
  PeerState,
  PeerStatus,
  PhiDetectorOptions,
  TtlDetectorOptions,
} from './types.js';
// the HTTP transport and the reporting side (h11-wire)
export { DEFAULT_MONITOR_BODY_LIMIT, MONITOR_HTTP_BASE, MONITOR_HTTP_REJECTED_METRIC, createMonitorApi } from './http.js';
export type { MonitorApiOptions, MonitorRejectReason, MonitorSource } from './http.js';
export { DEFAULT_REPORT_INTERVAL, DEFAULT_REPORT_TTL, Reporter, reportTiming } from './reporter.js';
export type { ReporterOptions, Sender } from './reporter.js';
export { httpSender, monitorIngestUrl } from './http-sender.js';
export type { HttpSenderOptions } from './http-sender.js';
export { CPU_METRIC, EVENT_LOOP_LAG_METRIC, PING_METRIC, RSS_METRIC, cpuInformer, defaultInformers, eventLoopLagInformer, rssInformer } from './informers.js';
export type { Informer } from './informers.js';
// the NATS transport (h11-nats)
export { checkSubject, connectNatsPublisher, parseNatsServers, startNatsIngest } from './nats.js';
export type { NatsIngest, NatsIngestOptions, NatsOptions, NatsPublisher, NatsStatus } from './nats.js';
