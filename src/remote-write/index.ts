/**
 * `meterkit/remote-write`: sends a registry's series to a Prometheus remote-write receiver
 * (Prometheus, VictoriaMetrics, Mimir, Thanos…) every interval, with Prometheus's queue
 * manager's shards, batches, bounded buffer and capped backoff.
 */
export { RemoteWriter, USER_AGENT } from './writer.js';
export { MAX_RETRY_AFTER, MAX_SAMPLES_PER_SEND, MAX_SHARDS, checkUrl, resolveOptions } from './options.js';
export type { RemoteWriteOptions } from './options.js';
export type { ClientTls } from './client.js';
export { REMOTE_WRITE_METRICS, DURATION_BUCKETS } from './metrics.js';
export type { RemoteWriteMetricsTarget } from './metrics.js';
export { METADATA_TYPE, ProtoWriter, encodeLabels } from './proto.js';
export type { Metadata } from './proto.js';
export { STALE_NAN, SnapshotReader, metadataOf } from './snapshot.js';
export type { RemoteWriteSource, SeriesRef, Emit } from './snapshot.js';
