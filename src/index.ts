/**
 * meterkit: the core public API. Record through the facade (`counter`, `gauge`, `histogram`,
 * `describe*`); install a recorder (a {@link Registry}, a layer, an exporter) with
 * {@link setGlobalRecorder}.
 */
export { MeterkitError, ErrorCode } from './core/errors.js';
export { Unit, ALL_UNITS, isUnit, parseUnit, unitLabel } from './core/units.js';
export {
  isValidMetricName,
  validateMetricName,
  validateLabelName,
  canonicalPairs,
} from './core/labels.js';
export { NOOP_HANDLE } from './core/handles.js';
export { startTimer, timeInto, setToCurrentTime } from './core/timer.js';
export { NoopRecorder } from './core/recorder.js';
export {
  setGlobalRecorder,
  getGlobalRecorder,
  hasGlobalRecorder,
  clearGlobalRecorder,
  withLocalRecorder,
  counter,
  gauge,
  histogram,
  describeCounter,
  describeGauge,
  describeHistogram,
} from './core/facade.js';
export { DEFAULT_BUCKETS, linearBuckets, exponentialBuckets } from './core/buckets.js';
export { QuantileSketch, DEFAULT_RELATIVE_ACCURACY, REPORTED_QUANTILES } from './core/sketch.js';
export type { SketchData } from './core/sketch.js';
export { OVERFLOW_LABEL } from './core/family.js';
export {
  Registry,
  OVERFLOW_METRIC,
  DEFAULT_CARDINALITY_LIMIT,
  COLLECTOR_ERRORS_METRIC,
  INLINE_TIMEOUTS_METRIC,
  DEFAULT_AGE_BUCKETS,
} from './core/registry.js';
export { DEFAULT_INLINE_TIMEOUT } from './core/collect.js';
export { compileMatcher } from './core/matcher.js';
export { FanoutRecorder, FANOUT_CACHE_LIMIT } from './core/layers/fanout.js';
export { ForwardingRecorder } from './core/layers/forwarding.js';
export { PrefixRecorder, FilterRecorder, ConstantLabelsRecorder, RouterRecorder } from './core/layers/rewrite.js';
export { DebuggingRecorder, Snapshotter, Snapshot } from './core/debugging.js';
export { INVALID_UPDATES_METRIC } from './core/validate.js';
export { EXEMPLAR_MAX_RUNES } from './core/exemplar.js';

export type { Labels, LabelPairs } from './core/labels.js';
export type { Counter, Gauge, Histogram, TimedGauge } from './core/handles.js';
export type { Recorder, MetricKind } from './core/recorder.js';
export type { FamilyView, FamilyCursor } from './core/family.js';
export type { CollectFn, CollectorOptions } from './core/collect.js';
export type { HistogramLayout, SeriesView, CounterView, GaugeView, HistogramView, SketchView, SeriesLabelsView } from './core/series.js';
export type { RegistryOptions, HistogramOptions } from './core/registry.js';
export type { NameMatcher } from './core/matcher.js';
export type { Route } from './core/layers/forwarding.js';
export type { RouteRule } from './core/layers/rewrite.js';
export type { SnapshotEntry, Rejection, DebuggingRecorderOptions } from './core/debugging.js';
export type { InvalidReason, InvalidUpdateHook } from './core/validate.js';
export type { Exemplar, StoredExemplar } from './core/exemplar.js';
