/**
 * The dashboard's windowed history: a bounded ring of points per watched series, sampled from
 * a registry once per interval (default 1 s).
 *
 * **Bounds.** At most `maxWatched` series are watched at once (a watch past that is refused
 * with `ERR_METERKIT_DASHBOARD_LIMIT`); each keeps `points` points (default 300: five minutes
 * at 1 s). A series nobody asked for during `idleWatch` ms is dropped, so a closed tab frees
 * its slots. Sampling reads each watched family once per tick (the series are re-found by
 * their label values, so a series removed and revived is followed).
 *
 * **A slow `beforeSample`.** A sample waits at most `sampleTimeout` ms for it (the registry's
 * collect timeout, by the same single-flight policy as a scrape: core/collect.ts). A sample it
 * outlives is skipped, counted in `meterkit_dashboard_skipped_samples_total` and reported once
 * per episode; the next sample waits for that same call again (never a second call on top of a
 * hung one) and, once it has ended, calls it anew.
 */
import { CollectorSet, DEFAULT_INLINE_TIMEOUT } from '../core/collect.js';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { FamilyView } from '../core/family.js';
import { checkDuration, checkWhole } from '../core/options.js';
import type { Counter } from '../core/handles.js';
import type { Recorder } from '../core/recorder.js';
import type { SeriesView } from '../core/series.js';

/** Counter of samples skipped because `beforeSample` outlived `sampleTimeout`. */
export const SKIPPED_SAMPLES_METRIC = 'meterkit_dashboard_skipped_samples_total';

/** What the sampler reads: the registry's read side (a `Registry` is one). */
export interface FamilySource {
  family(name: string): FamilyView | undefined;
  families(): IterableIterator<FamilyView>;
}

/** One sampled point: epoch ms, then the value(s) (see {@link PointValue}). */
export type Point = [t: number, ...values: number[]];

/**
 * The values of a point by kind: counter and gauge `[value]`; histogram
 * `[count, sum, p50, p90, p99, ...cumulative bucket counts]` (quantiles NaN → null in JSON when
 * the family keeps no sketch and there are no observations).
 */
export type PointValue = number[];

/** Options of {@link History}. */
export interface HistoryOptions {
  /** Series watched at once. Default 64. */
  maxWatched?: number;
  /** Points kept per series. Default 300. */
  points?: number;
  /** ms between samples. Default 1000. */
  interval?: number;
  /** ms a watched series stays watched without being asked for. Default 600 000. */
  idleWatch?: number;
  /** Runs before each sample (e.g. the process collector's read). Failures go to `onError`, once per episode. */
  beforeSample?: () => Promise<void>;
  /**
   * ms a sample waits for `beforeSample`; a sample it outlives is skipped. Default 10 000 (a
   * registry's default `collectTimeout`). A function is read at each sample, so a setting that
   * changes at run time (a reloaded `collect_timeout`) bounds the next sample; it must return
   * what `checkDuration` accepts (a Registry's `collectTimeout` always does).
   */
  sampleTimeout?: number | (() => number);
  /** Where {@link SKIPPED_SAMPLES_METRIC} is counted (e.g. the agent's Registry). */
  metrics?: Recorder;
  onError?: (err: unknown) => void;
  /** Clock, ms since the epoch. */
  now?: () => number;
}

/** A series id: `name` or `name{a="x",b="y"}`, labels in the family's order. */
export function seriesId(name: string, labelNames: readonly string[], values: readonly string[]): string {
  if (labelNames.length === 0) return name;
  return `${name}{${labelNames.map((n, i) => `${n}=${JSON.stringify(values[i] ?? '')}`).join(',')}}`;
}

/** The family name of a series id. */
export function familyOf(id: string): string {
  const i = id.indexOf('{');
  return i < 0 ? id : id.slice(0, i);
}

/** Series ids by family name, in the order given. */
function groupByFamily(ids: Iterable<string>): Map<string, string[]> {
  const byFamily = new Map<string, string[]>();
  for (const id of ids) {
    const f = familyOf(id);
    const list = byFamily.get(f);
    if (list === undefined) byFamily.set(f, [id]);
    else list.push(id);
  }
  return byFamily;
}

/** The quantiles a histogram point carries. */
export const POINT_QUANTILES: readonly number[] = Object.freeze([0.5, 0.9, 0.99]);

/** Quantile estimated from cumulative bucket counts (linear within a bucket), as Prometheus's histogram_quantile does. */
function bucketQuantile(q: number, bounds: ArrayLike<number>, cumulative: readonly number[]): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  for (let i = 0; i < cumulative.length; i++) {
    const c = cumulative[i] as number;
    if (c >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? NaN;
      const lo = i === 0 ? 0 : (bounds[i - 1] as number);
      const prev = i === 0 ? 0 : (cumulative[i - 1] as number);
      const hi = bounds[i] as number;
      return c === prev ? hi : lo + ((hi - lo) * (rank - prev)) / (c - prev);
    }
  }
  return NaN;
}

/** The values of a series now (see {@link PointValue}). */
export function valuesOf(s: SeriesView): PointValue {
  if (s.kind !== 'histogram') return [s.value];
  const cumulative: number[] = [];
  let acc = 0;
  for (let i = 0; i < s.bucketCounts.length; i++) cumulative.push((acc += s.bucketCounts[i] as number));
  const sketch = s.sketch;
  const qs = POINT_QUANTILES.map((q) => (sketch !== null && s.count > 0 ? sketch.quantile(q) : bucketQuantile(q, s.layout.bounds, cumulative)));
  return [s.count, s.sum, ...qs, ...cumulative];
}

class Ring {
  private readonly buf: Point[] = [];
  private head = 0;
  asked: number;
  /** Kept whether asked for or not (the overview's series, so it shows the last minutes at once). */
  pinned = false;
  constructor(
    private readonly cap: number,
    now: number,
  ) {
    this.asked = now;
  }
  push(p: Point): void {
    if (this.buf.length < this.cap) this.buf.push(p);
    else {
      this.buf[this.head] = p;
      this.head = (this.head + 1) % this.cap;
    }
  }
  /** Oldest first. */
  points(): Point[] {
    return [...this.buf.slice(this.head), ...this.buf.slice(0, this.head)];
  }
  last(): Point | undefined {
    return this.buf.length === 0 ? undefined : this.buf[(this.head + this.buf.length - 1) % this.buf.length];
  }
}

/** See the file comment. */
export class History {
  /** Series watched at once. */
  readonly maxWatched: number;
  /** Points kept per series. */
  readonly capacity: number;
  /** ms between samples. */
  readonly interval: number;
  private readonly idleWatch: number;
  private readonly rings = new Map<string, Ring>();
  private readonly listeners = new Set<(t: number) => void>();
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private timer: NodeJS.Timeout | null = null;
  private sampling = false;
  /** `beforeSample` as a one-collector set: single-flight, bounded by `sampleTimeout`. */
  private readonly before: CollectorSet | null = null;
  private readonly sampleTimeout: () => number;
  /** Set by the set's sink when the wait of this tick outlived `sampleTimeout`. */
  private late = false;
  /** True from a skipped sample to the next one taken: a lasting stall is reported once. */
  private stalled = false;
  private skipped = 0;
  private readonly skippedCounter: Counter | null;

  /** @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad option. */
  constructor(
    private readonly source: FamilySource,
    options: HistoryOptions = {},
  ) {
    this.maxWatched = options.maxWatched === undefined ? 64 : checkWhole('maxWatched', options.maxWatched, { min: 1, max: 10_000 });
    this.capacity = options.points === undefined ? 300 : checkWhole('points', options.points, { min: 2, max: 86_400 });
    this.interval = options.interval === undefined ? 1000 : checkDuration('interval', options.interval);
    this.idleWatch = options.idleWatch === undefined ? 600_000 : checkDuration('idleWatch', options.idleWatch);
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((err) => process.stderr.write(`meterkit dashboard: sampling failed: ${String(err)}\n`));
    const timeout = options.sampleTimeout ?? DEFAULT_INLINE_TIMEOUT;
    if (typeof timeout === 'function') this.sampleTimeout = timeout;
    else {
      const ms = checkDuration('sampleTimeout', timeout);
      this.sampleTimeout = () => ms;
    }
    if (options.beforeSample !== undefined) {
      const sink = { collectorFailed: () => undefined, inlineTimeout: () => void (this.late = true) };
      this.before = new CollectorSet(sink, (_name, err) => this.onError(err));
      this.before.add('beforeSample', options.beforeSample);
    }
    const m = options.metrics;
    m?.describeCounter(SKIPPED_SAMPLES_METRIC, undefined, 'Dashboard history samples skipped: the read before the sample outlived its timeout');
    this.skippedCounter = m?.registerCounter(SKIPPED_SAMPLES_METRIC) ?? null;
  }

  /** Samples skipped so far because `beforeSample` outlived `sampleTimeout`. */
  get skippedSamples(): number {
    return this.skipped;
  }

  /** Starts sampling every `interval` ms (the timer is unref'd). */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.tick(), this.interval);
    this.timer.unref();
  }

  /**
   * Watches `ids` (refreshing their idle clock). All or nothing. An id not watched yet must name
   * a series the source holds now, so a made-up id never takes a slot.
   * @throws MeterkitError `ERR_METERKIT_DASHBOARD_LIMIT` when that would pass `maxWatched`;
   * `ERR_METERKIT_DASHBOARD_UNKNOWN_SERIES` when an id names no current series.
   */
  watch(ids: readonly string[]): void {
    this.add(ids, true);
  }

  /**
   * Watches `ids` for good: they never go idle (the series the overview shows, so its charts
   * have the last minutes when the page opens). They count towards `maxWatched`. They need not
   * exist yet (a collector adds them on its first run).
   * @throws MeterkitError `ERR_METERKIT_DASHBOARD_LIMIT` as {@link History.watch}.
   */
  pin(ids: readonly string[]): void {
    this.add(ids, false);
    for (const id of ids) (this.rings.get(id) as Ring).pinned = true;
  }

  private add(ids: readonly string[], mustExist: boolean): void {
    const now = this.now();
    const fresh = new Set(ids.filter((id) => !this.rings.has(id)));
    // the cheap bound first: a long list of ids is refused before the registry is read
    if (this.rings.size + fresh.size > this.maxWatched) {
      throw new MeterkitError(ErrorCode.DashboardLimit, `cannot watch ${fresh.size} more series: ${this.rings.size} of at most ${this.maxWatched} are watched (maxWatched)`);
    }
    if (mustExist) {
      const missing = this.missing(fresh);
      if (missing !== undefined) {
        throw new MeterkitError(ErrorCode.DashboardUnknownSeries, `no series ${JSON.stringify(missing)}: give an id that /api/v1/series returns now`);
      }
    }
    for (const id of ids) {
      const r = this.rings.get(id);
      if (r !== undefined) r.asked = now;
      else this.rings.set(id, new Ring(this.capacity, now));
    }
  }

  /** The first of `ids` that names no series of the source now (each family is read once). */
  private missing(ids: ReadonlySet<string>): string | undefined {
    for (const [name, wanted] of groupByFamily(ids)) {
      const fam = this.source.family(name);
      if (fam === undefined) return wanted[0];
      const left = new Set(wanted);
      fam.forEachSeries((s, values) => {
        if (left.size > 0) left.delete(seriesId(name, s.owner.labelNames, values));
      });
      for (const id of left) return id;
    }
    return undefined;
  }

  /** Refreshes the idle clock of those of `ids` still watched (an open event stream calls it each sample). */
  keep(ids: readonly string[]): void {
    const now = this.now();
    for (const id of ids) {
      const r = this.rings.get(id);
      if (r !== undefined) r.asked = now;
    }
  }

  /** Series watched now. */
  get watched(): number {
    return this.rings.size;
  }

  /** The points of a watched series, oldest first; undefined when it is not watched. */
  points(id: string): Point[] | undefined {
    return this.rings.get(id)?.points();
  }

  /** The latest point of a watched series. */
  last(id: string): Point | undefined {
    return this.rings.get(id)?.last();
  }

  /** Calls `fn(t)` after each sample; returns the function that stops it. */
  onSample(fn: (t: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Takes one sample now (what the timer calls), or skips it when `beforeSample` outlives
   * `sampleTimeout`. Never rejects; a tick under way is not doubled.
   */
  async tick(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      if (this.before !== null) {
        this.late = false;
        const timeout = this.sampleTimeout();
        await this.before.collect(timeout);
        if (this.late) return this.skip(timeout);
      }
      this.stalled = false;
      this.sample();
    } finally {
      this.sampling = false;
    }
  }

  private skip(timeout: number): void {
    this.skipped++;
    this.skippedCounter?.increment(1);
    if (this.stalled) return;
    this.stalled = true;
    this.onError(
      new MeterkitError(ErrorCode.DashboardSampleTimeout, `sample skipped: beforeSample did not finish in ${timeout} ms (sampleTimeout); the next sample waits for it again`),
    );
  }

  private sample(): void {
    const t = this.now();
    for (const [id, ring] of this.rings) {
      if (!ring.pinned && t - ring.asked > this.idleWatch) this.rings.delete(id);
    }
    const byFamily = groupByFamily(this.rings.keys());
    for (const [name, ids] of byFamily) {
      const fam = this.source.family(name);
      if (fam === undefined) continue;
      const wanted = new Set(ids);
      fam.forEachSeries((s, values) => {
        const id = seriesId(name, s.owner.labelNames, values);
        if (wanted.has(id)) this.rings.get(id)?.push([t, ...valuesOf(s)]);
      });
    }
    for (const fn of this.listeners) {
      try {
        fn(t);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  /** Stops sampling. */
  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }
}
