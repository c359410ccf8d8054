/**
 * The one rule for update values, and what happens to an update that breaks it.
 *
 * The hot path never throws and never stores a bad value: every recorder (Registry, the
 * stream, layers, DebuggingRecorder) checks with the predicates below, drops what fails,
 * counts it in `meterkit_invalid_updates_total{metric,reason}` and reports it once per metric
 * through {@link InvalidUpdates}.
 */
import { ErrorCode, MeterkitError, describeValue } from './errors.js';

/** The counter that counts dropped updates, by metric and reason. */
export const INVALID_UPDATES_METRIC = 'meterkit_invalid_updates_total';

/** Why an update was dropped (the `reason` label of {@link INVALID_UPDATES_METRIC}). */
export type InvalidReason =
  /** not of type number (a string, a bigint, undefined given explicitly, …) */
  | 'not_a_number'
  /** NaN */
  | 'nan'
  /** ±Infinity where a finite value is needed */
  | 'infinite'
  /** a negative counter increment or value */
  | 'negative'
  /** a `recordMany` count that is not a whole number ≥ 0 */
  | 'bad_count'
  /** the result would not be finite (a gauge or counter running past ±1.8e308) */
  | 'overflow'
  /** an exemplar that breaks the OpenMetrics rules; the update itself is kept */
  | 'bad_exemplar';

/** Which rule an operation's value follows. */
export type ValueRule = 'counter' | 'finite' | 'count';

const RULE_TEXT: Record<ValueRule, string> = {
  counter: 'a counter takes a finite number ≥ 0',
  finite: 'it must be a finite number',
  count: 'recordMany takes a whole number of observations ≥ 0',
};

/** True when `v` may be added to or set on a counter: a finite number ≥ 0. */
export function isCounterValue(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v !== Infinity;
}

/** True when `v` is a finite number (gauges and histogram observations). */
export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && v - v === 0;
}

/** True when `v` is a whole number ≥ 0 (a `recordMany` count). */
export function isCount(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && Number.isInteger(v);
}

/** Why `v` fails `rule` (called only once a check failed: the slow path). */
export function reasonFor(v: unknown, rule: ValueRule): InvalidReason {
  if (typeof v !== 'number') return 'not_a_number';
  if (rule === 'count') return 'bad_count';
  if (v !== v) return 'nan';
  if (v === Infinity || v === -Infinity) return 'infinite';
  if (rule === 'counter' && v < 0) return 'negative';
  return 'overflow';
}

/** The error an invalid update is reported with (never thrown from an update). */
function invalidUpdateError(metric: string, what: string, value: unknown, reason: InvalidReason, rule: ValueRule): MeterkitError {
  const why = reason === 'overflow' ? 'the result would not be a finite number' : reason === 'bad_exemplar' ? String(value) : RULE_TEXT[rule];
  const shown = reason === 'bad_exemplar' ? '' : ` ${describeValue(value)}`;
  return new MeterkitError(
    ErrorCode.InvalidValue,
    `invalid ${what}${shown} for metric "${metric}": ${why} (dropped and counted in ${INVALID_UPDATES_METRIC}{reason="${reason}"})`,
  );
}

/** Hears of invalid updates; the default emits one process warning. */
export type InvalidUpdateHook = (err: MeterkitError) => void;

/** The default {@link InvalidUpdateHook}: one `process.emitWarning` per call. */
export const warnOnce: InvalidUpdateHook = (err) => {
  process.emitWarning(err.message, { code: err.code, type: 'MeterkitWarning' });
};

/**
 * The reporting policy for dropped updates, one per recorder: count every one, and tell
 * `onError` about the first one of each metric (a loop of bad updates makes one warning,
 * not millions). A throwing hook cannot break the caller's update.
 */
export class InvalidUpdates {
  private readonly reported = new Set<string>();
  private countFailed = false;

  constructor(
    /** Adds one to the count for (metric, reason). */
    private readonly count: (metric: string, reason: InvalidReason) => void,
    private readonly onError: InvalidUpdateHook = warnOnce,
  ) {}

  /** Records one dropped update of `metric` (`what`: e.g. "counter increment"). Never throws. */
  report(metric: string, what: string, value: unknown, rule: ValueRule, reason: InvalidReason = reasonFor(value, rule)): void {
    try {
      this.count(metric, reason);
    } catch (countErr) {
      // the count cannot be kept (say the user took the counter's name for another family):
      // the update path still must not throw; say why, once
      if (!this.countFailed) {
        this.countFailed = true;
        process.emitWarning(`meterkit: cannot count dropped updates in ${INVALID_UPDATES_METRIC}: ${String(countErr)}`, { code: ErrorCode.InvalidValue });
      }
    }
    if (this.reported.has(metric)) return;
    this.reported.add(metric);
    const err = invalidUpdateError(metric, what, value, reason, rule);
    try {
      this.onError(err);
    } catch (hookErr) {
      // the update path must not throw: the hook's own failure goes where warnings go
      process.emitWarning(`meterkit: the onError hook threw while reporting "${err.message}": ${String(hookErr)}`);
    }
  }
}

/**
 * The count function of {@link InvalidUpdates} for a recorder that keeps the count itself
 * (a Registry, or the registry a stream reports into): describes the counter once, then adds
 * one to `meterkit_invalid_updates_total{metric,reason}`.
 */
export function countInto(recorder: {
  describeCounter(name: string, unit?: undefined, description?: string): void;
  registerCounter(name: string, labels?: Readonly<Record<string, string>>): { increment(n?: number): void };
}): (metric: string, reason: InvalidReason) => void {
  let described = false;
  return (metric, reason) => {
    if (!described) {
      recorder.describeCounter(INVALID_UPDATES_METRIC, undefined, 'Updates dropped because their value broke the rule of the metric kind, by metric and reason');
      described = true;
    }
    recorder.registerCounter(INVALID_UPDATES_METRIC, { metric, reason }).increment();
  };
}
