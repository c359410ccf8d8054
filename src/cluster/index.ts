/**
 * `meterkit/cluster`: one `/metrics` for a `node:cluster` application or a pool of worker
 * threads. Workers call {@link serveClusterMetrics}; the primary serves a
 * {@link ClusterAggregator} with `createMetricsHandler`.
 */
export { ClusterAggregator, WORKER_FAILURES_METRIC, WORKERS_METRIC, MERGE_CONFLICTS_METRIC } from './aggregator.js';
export type { ClusterAggregatorOptions, FailureReason } from './aggregator.js';
export { serveClusterMetrics } from './worker.js';
export type { ClusterWorkerOptions, ClusterMetricsServer, WorkerSource } from './worker.js';
export { AGGREGATION_MODES, DEFAULT_SNAPSHOT_LIMITS, SnapshotTooLargeError, readSnapshot, takeSnapshot } from './snapshot.js';
export type { AggregationMode, ClusterSnapshot, FamilySnapshot, SeriesSnapshot, LayoutSnapshot, SnapshotLimits, SnapshotSource } from './snapshot.js';
export { mergeSnapshots, MergedFamily } from './merge.js';
export type { MergeConflict } from './merge.js';
export { TAG as CLUSTER_MESSAGE_TAG } from './protocol.js';
export type { AggregationRule } from './protocol.js';
