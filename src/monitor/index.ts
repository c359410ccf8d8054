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
