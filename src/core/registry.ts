import { DEFAULT_BUCKETS, validateBuckets } from './buckets.js';
import type { CollectFn, CollectorOptions } from './collect.js';
import { CollectorSet, DEFAULT_INLINE_TIMEOUT } from './collect.js';
import { ErrorCode, MeterkitError, describeValue } from './errors.js';
import type { Create, FamilyHost, FamilyView } from './family.js';
import { Family, LabelSet } from './family.js';
import type { Labels } from './labels.js';
import { validateDescription, validateMetricName } from './labels.js';
import type { MetricKind, Recorder } from './recorder.js';
import type { AnySeries, CounterView, GaugeView, HistogramLayout, HistogramView, SeriesView } from './series.js';
import { CounterSeries, GaugeSeries, HistogramSeries } from './series.js';
import type { Counter, Gauge, Histogram, TimedGauge } from './handles.js';
import { DEFAULT_RELATIVE_ACCURACY, REPORTED_QUANTILES } from './sketch.js';
import type { Unit } from './units.js';
import { parseUnit } from './units.js';
import { checkDuration, checkWhole } from './options.js';
import type { InvalidUpdateHook } from './validate.js';
import { InvalidUpdates, countInto } from './validate.js';
import { compileMatcher } from './matcher.js';
import { exposedNames } from './exposed-names.js';
import type { DefaultLabelSet } from './default-labels.js';
import { checkDefaultLabels } from './default-labels.js';

/** The counter that counts label sets redirected to a family's overflow series. */
export const OVERFLOW_METRIC = 'meterkit_cardinality_overflow_total';
/** Counts collectors that threw, by collector name. */
export const COLLECTOR_ERRORS_METRIC = 'meterkit_collector_errors_total';
/** Counts scrapes that answered with the last data because collectors were too slow. */
export const INLINE_TIMEOUTS_METRIC = 'meterkit_scrape_inline_timeouts_total';
/** Series a metric name may hold before new label sets go to its overflow series. */
export const DEFAULT_CARDINALITY_LIMIT = 10_000;

/** Options of a histogram family. */
export interface HistogramOptions {
  /** Bucket upper bounds; default: the registry's `buckets` (Prometheus's defaults). `[]`: no buckets. */
  buckets?: readonly number[];
  /**
   * Keep a quantile sketch per series (for p50/p90/p99/p999 and summaries): `true` for ±1%
   * relative error, or the relative error as a number between 0 and 1. Default: off.
   */
  quantiles?: boolean | number;
  /**
   * The quantiles a summary and the JSON view report (prom-client's `percentiles`): each
   * 0 ≤ q ≤ 1, strictly increasing. Default {@link REPORTED_QUANTILES}.
   */
  reportedQuantiles?: readonly number[];
  /**
   * Quantiles over the last `maxAge` ms only (prom-client's `maxAgeSeconds` × 1000), a whole
   * number of ms; turns the sketch on unless `quantiles` is false (an error). `_sum`, `_count`
   * and buckets stay lifetime, as in prom-client. Default 0: the lifetime.
   */
  maxAge?: number;
  /** Rotating sketches making up the window (prom-client's `ageBuckets`). Default 5 when `maxAge` is set. */
  ageBuckets?: number;
}

/** Rotating sketches of a window when `ageBuckets` is not given (prom-client's default). */
export const DEFAULT_AGE_BUCKETS = 5;

/** Options of a {@link Registry}. */
export interface RegistryOptions {
  /** Series per metric name before new label sets go to the overflow series. Default 10 000. */
  cardinalityLimit?: number;
  /** Remove series not updated for this many ms. Default: never. */
  idleTimeout?: number;
  /** Which kinds idle expiry applies to. Default: all. */
  idleKinds?: readonly MetricKind[];
  /** How often the idle sweep runs, in ms. Default: idleTimeout / 2. */
  idleSweepInterval?: number;
  /** Default histogram buckets. Default: Prometheus's default buckets. */
  buckets?: readonly number[];
  /** The clock in ms (a fake one in tests). Default: `Date.now`. */
  now?: () => number;
  /** How long a scrape waits for collectors before answering with the last data (ms). Default 10 000. */
  collectTimeout?: number;
  /**
   * Hears of a collector that failed, once per episode (its first failure after a success).
   * Default: one line on stderr.
   */
  onCollectorError?: (collector: string, err: unknown) => void;
  /**
   * Hears of the first dropped update of each metric (a non-number, NaN, an infinite value, a
   * negative counter increment, …): the update is dropped and counted in
   * `meterkit_invalid_updates_total{metric,reason}` whatever this does. Default: one
   * `process.emitWarning`.
   */
  onError?: InvalidUpdateHook;
}

type Matcher = string | RegExp;

function sketchAccuracy(q: boolean | number | undefined, name: string): number | null {
  if (q === undefined || q === false) return null;
  if (q === true) return DEFAULT_RELATIVE_ACCURACY;
  if (typeof q === 'number' && q > 0 && q < 1) return q;
  throw new MeterkitError(
    ErrorCode.InvalidArgument,
    `invalid quantiles option ${describeValue(q)} for histogram "${name}": use true or a relative error between 0 and 1`,
  );
}

/** Checks a list of reported quantiles; returns a frozen copy. */
function checkQuantiles(qs: unknown, name: string): readonly number[] {
  const bad = (why: string): never => {
    throw new MeterkitError(ErrorCode.InvalidQuantiles, `invalid reportedQuantiles for histogram "${name}": ${why}`);
  };
  if (!Array.isArray(qs)) return bad(`${describeValue(qs)} is not an array`);
  let prev = -Infinity;
  for (const q of qs as unknown[]) {
    if (typeof q !== 'number' || !(q >= 0 && q <= 1)) bad(`${describeValue(q)} is not a number from 0 to 1`);
    if (!((q as number) > prev)) bad(`${describeValue(q)} after ${prev}: they must be strictly increasing`);
    prev = q as number;
  }
  return Object.freeze([...(qs as number[])]);
}

/** The window settings of a histogram's options: [maxAge, ageBuckets], [0, 0] for none. */
function windowOf(opts: HistogramOptions, name: string): [number, number] {
  if (opts.maxAge === undefined || opts.maxAge === 0) return [0, 0];
  const maxAge = checkDuration(`maxAge of histogram "${name}"`, opts.maxAge);
  if (opts.quantiles === false) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `histogram "${name}" has a maxAge but quantiles: false: a window needs a sketch`);
  }
  const ageBuckets = opts.ageBuckets === undefined ? DEFAULT_AGE_BUCKETS : checkWhole(`ageBuckets of histogram "${name}"`, opts.ageBuckets, { max: 1000 });
  return [maxAge, ageBuckets];
}

/**
 * The storage recorder: counters, gauges and histograms kept in memory, read by the pull
 * exporters through {@link Registry.families}.
 *
 * Handles it returns are the stored series themselves: keep them and an update is a field
 * write. A handle whose series was removed (by `remove`, `removeAll` or idle expiry) still
 * works: its next update puts the series back, starting from zero.
 */
export class Registry implements Recorder {
  /** The clock reading (ms) that series timestamps count from. */
  readonly epoch: number;
  private readonly map = new Map<string, Family<AnySeries>>();
  /** Every sample name a family writes (see exposed-names.ts) → that family. */
  private readonly exposed = new Map<string, Family<AnySeries>>();
  // The family resolved last: code that records one metric in a loop skips the name lookup.
  private lastFamily: Family<AnySeries> | null = null;
  private readonly now: () => number;
  private readonly limit: number;
  private readonly limits = new Map<string, number>();
  private readonly defaultBuckets: Float64Array;
  /** [the matcher as given, its stateless predicate, options]: exact names win over patterns. */
  private readonly histogramRules: Array<[Matcher, (name: string) => boolean, HistogramOptions]> = [];
  private readonly idleTimeout: number;
  private readonly idleKinds: ReadonlySet<MetricKind>;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly host: FamilyHost;
  private readonly collectors: CollectorSet;
  private defaults: DefaultLabelSet | null = null;
  private collectMs: number;

  /** How long a scrape waits for collectors (ms): the `collectTimeout` option, default 10 000. */
  get collectTimeout(): number {
    return this.collectMs;
  }

  /**
   * Changes how long the next scrapes wait for collectors (a config reload); a scrape under way
   * keeps the time it started with. `undefined`: the default (10 000 ms).
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad duration (nothing changed then).
   */
  setCollectTimeout(ms: number | undefined): void {
    this.collectMs = ms === undefined ? DEFAULT_INLINE_TIMEOUT : checkDuration('collectTimeout', ms);
  }

  constructor(options: RegistryOptions = {}) {
    this.now = options.now ?? Date.now;
    this.epoch = this.now();
    this.limit =
      options.cardinalityLimit === undefined
        ? DEFAULT_CARDINALITY_LIMIT
        : checkWhole('cardinalityLimit', options.cardinalityLimit);
    this.defaultBuckets = validateBuckets(options.buckets ?? DEFAULT_BUCKETS);
    this.idleTimeout =
      options.idleTimeout === undefined
        ? 0
        : checkDuration('idleTimeout', options.idleTimeout);
    this.idleKinds = new Set(options.idleKinds ?? ['counter', 'gauge', 'histogram']);
    const invalid = new InvalidUpdates(countInto(this), options.onError);
    this.host = {
      clock: () => Math.round(this.now() - this.epoch),
      wallClock: () => this.now(),
      invalid: (metric, what, value, rule, reason) => invalid.report(metric, what, value, rule, reason),
      onOverflow: (f) => {
        if (f.name === OVERFLOW_METRIC) return;
        this.describeCounter(OVERFLOW_METRIC, undefined, 'Label sets redirected to the overflow series because the metric reached its cardinality limit');
        this.registerCounter(OVERFLOW_METRIC, { metric: f.name }).increment();
      },
    };
    this.collectMs =
      options.collectTimeout === undefined
        ? DEFAULT_INLINE_TIMEOUT
        : checkDuration('collectTimeout', options.collectTimeout);
    const onErr =
      options.onCollectorError ??
      ((name: string, err: unknown) => {
        process.stderr.write(`meterkit: collector "${name}" failed: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    this.collectors = new CollectorSet(
      {
        collectorFailed: (name) => {
          this.describeCounter(COLLECTOR_ERRORS_METRIC, undefined, 'Scrape-time collectors that threw, by collector');
          this.registerCounter(COLLECTOR_ERRORS_METRIC, { collector: name }).increment();
        },
        inlineTimeout: () => {
          this.describeCounter(INLINE_TIMEOUTS_METRIC, undefined, 'Scrapes answered with the last data because collectors outlived the inline timeout');
          this.registerCounter(INLINE_TIMEOUTS_METRIC).increment();
        },
      },
      onErr,
    );
    if (this.idleTimeout > 0) {
      const every =
        options.idleSweepInterval === undefined
          ? Math.max(1, Math.floor(this.idleTimeout / 2))
          : checkDuration('idleSweepInterval', options.idleSweepInterval);
      this.sweeper = setInterval(() => this.sweepIdle(), every);
      this.sweeper.unref();
    }
  }

  /** Same as {@link Registry.registerCounter}. */
  counter(name: string, labels?: Labels): Counter {
    return this.registerCounter(name, labels);
  }
  /** Same as {@link Registry.registerGauge}. */
  gauge(name: string, labels?: Labels): TimedGauge {
    return this.registerGauge(name, labels);
  }
  /** Same as {@link Registry.registerHistogram}. */
  histogram(name: string, labels?: Labels): Histogram {
    return this.registerHistogram(name, labels);
  }

  registerCounter(name: string, labels?: Labels): Counter {
    let f = this.lastFamily;
    if (f === null || f.name !== name || f.kind !== 'counter') f = this.lookup(name, 'counter');
    return f.resolve(labels) as CounterSeries;
  }

  registerGauge(name: string, labels?: Labels): TimedGauge {
    let f = this.lastFamily;
    if (f === null || f.name !== name || f.kind !== 'gauge') f = this.lookup(name, 'gauge');
    return f.resolve(labels) as GaugeSeries;
  }

  registerHistogram(name: string, labels?: Labels): Histogram {
    let f = this.lastFamily;
    if (f === null || f.name !== name || f.kind !== 'histogram') f = this.lookup(name, 'histogram');
    return f.resolve(labels) as HistogramSeries;
  }

  describeCounter(name: string, unit?: Unit, description?: string): void {
    this.describe(name, 'counter', unit, description);
  }
  describeGauge(name: string, unit?: Unit, description?: string): void {
    this.describe(name, 'gauge', unit, description);
  }
  describeHistogram(name: string, unit?: Unit, description?: string): void {
    this.describe(name, 'histogram', unit, description);
  }

  private lookup(name: string, kind: MetricKind): Family<AnySeries> {
    const f = this.map.get(name);
    const found = f !== undefined && f.kind === kind ? f : this.familyFor(name, kind);
    this.lastFamily = found;
    return found;
  }

  private describe(name: string, kind: MetricKind, unit: Unit | undefined, description: string | undefined): void {
    const f = this.familyFor(name, kind);
    if (unit !== undefined) f.unit = parseUnit(unit);
    if (description !== undefined) f.description = validateDescription(description, name);
  }

  private familyFor(name: string, kind: MetricKind): Family<AnySeries> {
    const existing = this.map.get(name);
    if (existing !== undefined) {
      if (existing.kind === kind) return existing;
      throw new MeterkitError(
        ErrorCode.KindConflict,
        `metric "${name}" is already registered as a ${existing.kind}: one name cannot also be a ${kind}`,
      );
    }
    validateMetricName(name);
    const names = exposedNames(name, kind);
    for (const n of names) {
      const other = this.exposed.get(n);
      if (other !== undefined) {
        throw new MeterkitError(
          ErrorCode.NameConflict,
          `metric "${name}" (${kind}) would write samples named "${n}", which ${other.kind} "${other.name}" already writes: two families must not share an exposed name (a counter "x" writes x_total, a histogram "x" writes x_bucket, x_sum, x_count)`,
        );
      }
    }
    const { create, layout } = this.factory(kind, name);
    const f = new Family<AnySeries>(name, kind, this.limits.get(name) ?? this.limit, this.host, create);
    f.layout = layout;
    this.map.set(name, f);
    for (const n of names) this.exposed.set(n, f);
    return f;
  }

  /** How a family makes its series (and a histogram's layout, from the rules now). */
  private factory(kind: MetricKind, name: string): { create: Create; layout: HistogramLayout | undefined } {
    const host = this.host;
    if (kind === 'counter') return { create: (o: LabelSet) => new CounterSeries(o, host.clock()), layout: undefined };
    if (kind === 'gauge') return { create: (o: LabelSet) => new GaugeSeries(o, host.clock()), layout: undefined };
    const layout = this.layoutFor(name);
    return { create: (o: LabelSet) => new HistogramSeries(o, host.clock(), layout, host.clock), layout };
  }

  private layoutFor(name: string): HistogramLayout {
    let opts: HistogramOptions | undefined;
    for (const [m, , o] of this.histogramRules) {
      if (m === name) opts = o;
    }
    if (opts === undefined) {
      for (const [m, test, o] of this.histogramRules) {
        if (typeof m !== 'string' && test(name)) {
          opts = o;
          break;
        }
      }
    }
    const buckets = opts?.buckets;
    const [maxAge, ageBuckets] = opts === undefined ? [0, 0] : windowOf(opts, name);
    const quantiles = opts?.quantiles ?? (maxAge > 0 ? true : undefined);
    return {
      bounds: buckets === undefined ? this.defaultBuckets : buckets.length === 0 ? new Float64Array(0) : validateBuckets(buckets, name),
      sketchAccuracy: sketchAccuracy(quantiles, name),
      reportedQuantiles: opts?.reportedQuantiles === undefined ? REPORTED_QUANTILES : checkQuantiles(opts.reportedQuantiles, name),
      maxAge,
      ageBuckets,
    };
  }

  /**
   * Sets buckets and quantile options for histograms whose name is `match` (or matches the
   * RegExp; an exact name wins over a pattern). Must come before the histogram's first series.
   * @throws MeterkitError `ERR_METERKIT_CONFIG_TOO_LATE` when a matching histogram already has series.
   */
  setHistogramOptions(match: Matcher, options: HistogramOptions): void {
    if (typeof match === 'string') validateMetricName(match);
    const probe = typeof match === 'string' ? match : 'histogram';
    if (options.buckets !== undefined && options.buckets.length > 0) validateBuckets(options.buckets, probe);
    sketchAccuracy(options.quantiles, probe);
    if (options.reportedQuantiles !== undefined) checkQuantiles(options.reportedQuantiles, probe);
    windowOf(options, probe);
    const test = compileMatcher(match);
    for (const f of this.map.values()) {
      if (f.kind === 'histogram' && f.seriesCount > 0 && test(f.name)) {
        throw new MeterkitError(
          ErrorCode.ConfigTooLate,
          `histogram "${f.name}" already has series: set its options before its first use`,
        );
      }
    }
    this.histogramRules.push([match, test, options]);
    for (const f of this.map.values()) {
      if (f.kind === 'histogram' && test(f.name)) {
        const { create, layout } = this.factory('histogram', f.name);
        f.setFactory(create);
        f.layout = layout;
      }
    }
  }

  /**
   * Sets an info metric: the gauge series `name{labels}` to 1, its family marked as info
   * (OpenMetrics writes `# TYPE <name without _info> info`; text 0.0.4 a gauge), as
   * `build_info{version="1.2.3"} 1`. Call it again with other labels to add a series; remove
   * an old one with {@link Registry.remove}.
   * @throws MeterkitError `ERR_METERKIT_INVALID_NAME` when `name` does not end in `_info`;
   * `ERR_METERKIT_KIND_CONFLICT` / `ERR_METERKIT_NAME_CONFLICT` as for any gauge, and when
   * another family is named like the info family's OpenMetrics name.
   */
  info(name: string, labels: Labels, description?: string): void {
    validateMetricName(name);
    if (!name.endsWith('_info') || name === '_info') {
      throw new MeterkitError(ErrorCode.InvalidName, `invalid info metric name "${name}": an info metric's name must end in "_info" (e.g. build_info)`);
    }
    const base = name.slice(0, -5);
    if (this.map.get(name)?.info !== true) {
      // OpenMetrics names the family without `_info`: that name must be free too
      const other = this.exposed.get(base) ?? this.map.get(base);
      if (other !== undefined) {
        throw new MeterkitError(
          ErrorCode.NameConflict,
          `info metric "${name}" would be family "${base}" in OpenMetrics, a name ${other.kind} "${other.name}" already writes`,
        );
      }
    }
    const f = this.familyFor(name, 'gauge');
    if (!f.info) {
      this.exposed.set(base, f);
      f.info = true;
    }
    if (description !== undefined) f.description = validateDescription(description, name);
    (f.resolve(labels) as GaugeSeries).set(1);
  }

  /**
   * Sets the labels every exported series gets unless it has a label of that name itself
   * (prom-client's `setDefaultLabels`): they are added when rendering (text, OpenMetrics,
   * JSON), after the series' own labels, in the order given here. Replaces the previous set;
   * `{}` clears it. Names are checked as label names; `le` and `quantile` are refused.
   * @throws MeterkitError `ERR_METERKIT_INVALID_LABEL_NAME`, `ERR_METERKIT_INVALID_LABEL_VALUE`,
   * `ERR_METERKIT_DUPLICATE_LABEL`.
   */
  setDefaultLabels(labels: Labels): void {
    this.defaults = checkDefaultLabels(labels);
  }

  /** The default labels (a copy), `{}` when none: see {@link Registry.setDefaultLabels}. */
  defaultLabels(): Record<string, string> {
    const out: Record<string, string> = {};
    const d = this.defaults;
    if (d !== null) for (let i = 0; i < d.names.length; i++) out[d.names[i] as string] = d.values[i] as string;
    return out;
  }

  /** Sets the cardinality limit of one metric name (it applies to series created from now on). */
  setCardinalityLimit(name: string, limit: number): void {
    validateMetricName(name);
    checkWhole('cardinality limit', limit);
    this.limits.set(name, limit);
    const f = this.map.get(name);
    if (f !== undefined) f.limit = limit;
  }

  /** Removes one series. True when it existed. */
  remove(name: string, labels?: Labels): boolean {
    const f = this.map.get(name);
    return f === undefined ? false : f.remove(labels);
  }

  /** Removes every series of `name`; its description stays. Returns how many were removed. */
  removeAll(name: string): number {
    const f = this.map.get(name);
    return f === undefined ? 0 : f.removeAll();
  }

  /** Removes every series of every metric. */
  clear(): void {
    for (const f of this.map.values()) f.removeAll();
  }

  /** Removes series idle for longer than the idle timeout now; the timer calls this too. */
  sweepIdle(): number {
    if (this.idleTimeout === 0) return 0;
    const now = this.host.clock();
    let n = 0;
    for (const f of this.map.values()) {
      if (this.idleKinds.has(f.kind)) n += f.sweepIdle(now, this.idleTimeout);
    }
    return n;
  }

  /** The live families, in registration order: a view, nothing is copied. */
  families(): IterableIterator<FamilyView> {
    return this.map.values();
  }

  /** One family by name, or undefined. */
  family(name: string): FamilyView | undefined {
    return this.map.get(name);
  }

  /**
   * The read-only view of a handle this registry handed out: what a scrape would read from
   * it. Handles only update; this is how a caller (a test, a tool) reads one back.
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` for a handle of another recorder.
   */
  view(handle: Counter): CounterView;
  view(handle: TimedGauge | Gauge): GaugeView;
  view(handle: Histogram): HistogramView;
  view(handle: Counter | Gauge | Histogram): SeriesView {
    if (handle instanceof CounterSeries || handle instanceof GaugeSeries || handle instanceof HistogramSeries) {
      const owner = handle.owner;
      if (owner instanceof LabelSet && this.map.get(owner.name) === owner.family) return handle;
    }
    throw new MeterkitError(ErrorCode.InvalidArgument, `view() takes a handle this registry handed out; got ${describeValue(handle)}`);
  }

  /** Epoch ms of a series' creation (or last reset), for `_created` samples. */
  createdAt(series: SeriesView): number {
    return this.epoch + series.created;
  }

  /**
   * Adds a scrape-time collector: `fn` runs before each scrape (see {@link Registry.collect}).
   * Returns a function that removes it.
   */
  addCollector(name: string, fn: CollectFn, options?: CollectorOptions): () => void {
    return this.collectors.add(name, fn, options);
  }

  /**
   * Runs the collectors, sharing a run already under way. Resolves when they finish, or after
   * the inline timeout (counted in `meterkit_scrape_inline_timeouts_total`; the run goes on in
   * the background). A collector that throws is counted in
   * `meterkit_collector_errors_total{collector}` and does not stop the others. Never rejects.
   */
  collect(options: { inlineTimeout?: number } = {}): Promise<void> {
    return this.collectors.collect(options.inlineTimeout ?? this.collectMs);
  }

  /** Stops the idle sweeper. */
  async close(): Promise<void> {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
