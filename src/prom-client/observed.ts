import { format } from 'node:util';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { Histogram as CoreHistogram } from '../core/handles.js';
import type { Labels } from '../core/labels.js';
import { startTimer } from '../core/timer.js';
import type { LabelValues } from './metric.js';
import { Metric } from './metric.js';

/** prom-client's rule for an observation: a finite number. */
export function observation(v: unknown): number {
  if (!Number.isFinite(v)) throw new MeterkitError(ErrorCode.InvalidValue, `Value is not a valid number: ${format(v)}`);
  return v as number;
}

/** A timer's `end`: records the seconds since the start, with the start and end labels merged. */
export function timer<T extends string>(
  observe: (labels: LabelValues<T>, v: number) => void,
  labels: LabelValues<T> | undefined,
): (endLabels?: LabelValues<T>) => number {
  const elapsed = startTimer();
  return (endLabels) => {
    const v = elapsed();
    observe({ ...labels, ...endLabels } as LabelValues<T>, v);
    return v;
  };
}

/** A child of a histogram or summary, bound to one label set. */
export interface ObserverChild<T extends string> {
  observe(value: number): void;
  startTimer(): (labels?: LabelValues<T>) => number;
}

/** What histograms and summaries share: observations into a core histogram per label set. */
export abstract class ObservedMetric<T extends string = string> extends Metric<T> {
  protected handle(labels: Labels | undefined): CoreHistogram {
    return this.store.registerHistogram(this.name, labels);
  }

  /** Records `value`: `observe(v)` or `observe({ route }, v)`. */
  observe(labels: LabelValues<T> | number, value?: number): void {
    if (labels !== null && typeof labels === 'object') this.handle(this.checked(labels)).record(observation(value));
    else this.handle(undefined).record(observation(labels));
  }

  /** Starts a timer; `end(labels?)` records the seconds elapsed and returns them. */
  startTimer(labels?: LabelValues<T>): (endLabels?: LabelValues<T>) => number {
    return timer((l, v) => this.observe(l, v), labels);
  }

  /** A child bound to one label set (an object or positional values). */
  labels(...args: unknown[]): ObserverChild<T> {
    const l = this.labelArgs(args);
    // the core handle is kept: after a remove or reset its next update brings the series back
    const h = this.handle(l);
    return {
      observe: (v: number) => h.record(observation(v)),
      startTimer: () => this.startTimer(l as LabelValues<T>),
    };
  }
}
