/**
 * The writer's own metrics: Prometheus's `prometheus_remote_storage_*` set (queue_manager.go)
 * under `meterkit_remote_write_`, same suffixes, kinds, help and `remote_name`/`url` labels.
 */
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { Counter, Gauge, Histogram } from '../core/handles.js';
import type { NameMatcher } from '../core/matcher.js';
import type { MetricRow, Recorder } from '../core/recorder.js';
import { describeRows } from '../core/recorder.js';
import type { HistogramOptions } from '../core/registry.js';
import { Unit } from '../core/units.js';

/** Metric names (Prometheus's names with meterkit's prefix). */
export const REMOTE_WRITE_METRICS = {
  samples: 'meterkit_remote_write_samples_total',
  failed: 'meterkit_remote_write_samples_failed_total',
  retried: 'meterkit_remote_write_samples_retried_total',
  dropped: 'meterkit_remote_write_samples_dropped_total',
  pending: 'meterkit_remote_write_samples_pending',
  metadata: 'meterkit_remote_write_metadata_total',
  metadataFailed: 'meterkit_remote_write_metadata_failed_total',
  metadataRetried: 'meterkit_remote_write_metadata_retried_total',
  metadataBytes: 'meterkit_remote_write_metadata_bytes_total',
  bytes: 'meterkit_remote_write_bytes_total',
  duration: 'meterkit_remote_write_sent_batch_duration_seconds',
  highestSent: 'meterkit_remote_write_queue_highest_sent_timestamp_seconds',
  highestIn: 'meterkit_remote_write_highest_timestamp_in_seconds',
  shards: 'meterkit_remote_write_shards',
  shardCapacity: 'meterkit_remote_write_shard_capacity',
  maxSamplesPerSend: 'meterkit_remote_write_max_samples_per_send',
} as const;

/** Buckets of the batch duration (Prometheus's: the default buckets plus 25, 60, 120, 300 s). */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120, 300]);

const M = REMOTE_WRITE_METRICS;
const ROWS: readonly MetricRow[] = [
  [M.samples, 'counter', undefined, 'Total number of samples sent to remote storage.'],
  [M.failed, 'counter', undefined, 'Total number of samples which failed on send to remote storage, non-recoverable errors.'],
  [M.retried, 'counter', undefined, 'Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.'],
  [M.dropped, 'counter', undefined, 'Total number of samples dropped before being sent: the buffer was full (the oldest go), the writer closed with them unsent, or the clock went back (a sample older than the series\' last one).'],
  [M.pending, 'gauge', undefined, 'The number of samples pending in the queues shards to be sent to the remote storage.'],
  [M.metadata, 'counter', undefined, 'Total number of metadata entries sent to remote storage.'],
  [M.metadataFailed, 'counter', undefined, 'Total number of metadata entries which failed on send to remote storage, non-recoverable errors.'],
  [M.metadataRetried, 'counter', undefined, 'Total number of metadata entries which failed on send to remote storage but were retried because the send error was recoverable.'],
  [M.metadataBytes, 'counter', Unit.Bytes, 'The total number of bytes of metadata sent by the queue after compression.'],
  [M.bytes, 'counter', Unit.Bytes, 'The total number of bytes of data (not metadata) sent by the queue after compression.'],
  [M.highestSent, 'gauge', Unit.Seconds, 'Timestamp from a sample, the highest timestamp successfully sent by this queue, in seconds since epoch.'],
  [M.highestIn, 'gauge', Unit.Seconds, 'Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.'],
  [M.shards, 'gauge', undefined, 'The number of shards used for parallel sending to the remote storage.'],
  [M.shardCapacity, 'gauge', undefined, 'The capacity of each shard of the queue used for parallel sending to the remote storage.'],
  [M.maxSamplesPerSend, 'gauge', undefined, 'The maximum number of samples to be sent, in a single request, to the remote storage.'],
];

/** A recorder that can set histogram buckets (a Registry can); others keep their defaults. */
export interface RemoteWriteMetricsTarget extends Recorder {
  setHistogramOptions?(match: NameMatcher, options: HistogramOptions): void;
}

/** The handles of one writer (one remote), labelled `remote_name` and `url`. */
export class RemoteWriteMetrics {
  readonly samples: Counter;
  readonly failed: Counter;
  readonly retried: Counter;
  readonly dropped: Counter;
  readonly pending: Gauge;
  readonly metadata: Counter;
  readonly metadataFailed: Counter;
  readonly metadataRetried: Counter;
  readonly metadataBytes: Counter;
  readonly bytes: Counter;
  readonly duration: Histogram;
  readonly highestSent: Gauge;
  /** Unlabelled, as Prometheus's (its alert subtracts the sent one `ignoring(remote_name, url)`). */
  readonly highestIn: Gauge;
  private highest = 0;
  private highestTaken = 0;

  constructor(target: RemoteWriteMetricsTarget, remoteName: string, url: string, shape: { shards: number; capacity: number; maxSamplesPerSend: number }) {
    describeRows(target, ROWS);
    target.describeHistogram(M.duration, Unit.Seconds, 'Duration of send calls to the remote storage.');
    try {
      target.setHistogramOptions?.(M.duration, { buckets: DURATION_BUCKETS });
    } catch (err) {
      // a writer before this one (the agent runs one per receiver, on one registry) has set
      // these same buckets and recorded already: nothing to change
      if (!(err instanceof MeterkitError && err.code === ErrorCode.ConfigTooLate)) throw err;
    }
    const l = { remote_name: remoteName, url };
    this.samples = target.registerCounter(M.samples, l);
    this.failed = target.registerCounter(M.failed, l);
    this.retried = target.registerCounter(M.retried, l);
    this.dropped = target.registerCounter(M.dropped, l);
    this.pending = target.registerGauge(M.pending, l);
    this.metadata = target.registerCounter(M.metadata, l);
    this.metadataFailed = target.registerCounter(M.metadataFailed, l);
    this.metadataRetried = target.registerCounter(M.metadataRetried, l);
    this.metadataBytes = target.registerCounter(M.metadataBytes, l);
    this.bytes = target.registerCounter(M.bytes, l);
    this.duration = target.registerHistogram(M.duration, l);
    this.highestSent = target.registerGauge(M.highestSent, l);
    this.highestIn = target.registerGauge(M.highestIn);
    target.registerGauge(M.shards, l).set(shape.shards);
    target.registerGauge(M.shardCapacity, l).set(shape.capacity);
    target.registerGauge(M.maxSamplesPerSend, l).set(shape.maxSamplesPerSend);
  }

  /** Raises the highest sent timestamp (ms) when `ms` is higher: it never goes back. */
  sentUpTo(ms: number): void {
    if (ms <= this.highest) return;
    this.highest = ms;
    this.highestSent.set(ms / 1000);
  }

  /** Raises the highest timestamp taken in (ms, a snapshot's time) when `ms` is higher. */
  takenUpTo(ms: number): void {
    if (ms <= this.highestTaken) return;
    this.highestTaken = ms;
    this.highestIn.set(ms / 1000);
  }
}
