import { ErrorCode, MeterkitError, describeValue } from '../errors.js';
import type { Labels } from '../labels.js';
import { splitLabels, validateMetricName } from '../labels.js';
import type { NameMatcher } from '../matcher.js';
import { compileMatchers } from '../matcher.js';
import type { MetricKind, Recorder } from '../recorder.js';
import type { Route } from './forwarding.js';
import { ForwardingRecorder } from './forwarding.js';

/** Puts `prefix` + `separator` (default `_`) in front of every metric name. */
export class PrefixRecorder extends ForwardingRecorder {
  private readonly prefix: string;

  constructor(
    private readonly inner: Recorder,
    prefix: string,
    separator = '_',
  ) {
    super();
    this.prefix = prefix + separator;
    validateMetricName(`${this.prefix}x`);
  }

  protected route(_kind: MetricKind, name: string): Route {
    return [this.inner, this.prefix + name];
  }
}

/** Drops metrics whose name matches any of `drop`: they get no-op handles. */
export class FilterRecorder extends ForwardingRecorder {
  private readonly dropped: (name: string) => boolean;

  constructor(
    private readonly inner: Recorder,
    drop: NameMatcher | readonly NameMatcher[],
  ) {
    super();
    this.dropped = compileMatchers(drop);
  }

  protected route(_kind: MetricKind, name: string): Route | null {
    return this.dropped(name) ? null : [this.inner, name];
  }
}

/**
 * Adds constant labels (`env`, `region`, …) to every series. A label the series already has
 * keeps the series' own value.
 */
export class ConstantLabelsRecorder extends ForwardingRecorder {
  private readonly names: string[];
  private readonly values: string[];

  constructor(
    private readonly inner: Recorder,
    labels: Labels,
  ) {
    super();
    [this.names, this.values] = splitLabels(labels);
  }

  protected route(_kind: MetricKind, name: string): Route {
    return [this.inner, name];
  }

  protected override relabel(labels: Labels | undefined): Labels {
    const [names, values] = splitLabels(labels);
    const out: Array<[string, string]> = names.map((n, i) => [n, values[i] as string]);
    for (let i = 0; i < this.names.length; i++) {
      const n = this.names[i] as string;
      if (!names.includes(n)) out.push([n, this.values[i] as string]);
    }
    return out;
  }
}

/** One rule of a {@link RouterRecorder}. */
export interface RouteRule {
  /** Names this rule takes. */
  match: NameMatcher | readonly NameMatcher[];
  /** Kinds this rule takes. Default: all. */
  kinds?: readonly MetricKind[];
  /** Where matching metrics go. */
  recorder: Recorder;
}

/** Sends each metric to the recorder of the first rule that matches it, else to `fallback`. */
export class RouterRecorder extends ForwardingRecorder {
  private readonly rules: Array<{ test: (n: string) => boolean; kinds: ReadonlySet<MetricKind> | null; recorder: Recorder }>;

  constructor(
    private readonly fallback: Recorder,
    rules: readonly RouteRule[],
  ) {
    super();
    this.rules = rules.map((r) => {
      if (r === null || typeof r !== 'object' || typeof r.recorder?.registerCounter !== 'function') {
        throw new MeterkitError(ErrorCode.InvalidArgument, `invalid route ${describeValue(r)}: a route needs { match, recorder }`);
      }
      return { test: compileMatchers(r.match), kinds: r.kinds ? new Set(r.kinds) : null, recorder: r.recorder };
    });
  }

  protected route(kind: MetricKind, name: string): Route {
    for (const r of this.rules) {
      if ((r.kinds === null || r.kinds.has(kind)) && r.test(name)) return [r.recorder, name];
    }
    return [this.fallback, name];
  }
}
