/**
 * Merges checked snapshots (one per worker, and the primary's own) into read-only family views
 * that the exposition renderers take as they take a Registry's.
 *
 * Rules (prom-client's `AggregatorRegistry.aggregate`, and past it where it falls short):
 * - families are matched by name, series by label set (names and values);
 * - the mode of a family is the primary's override, else the first worker's choice, else
 *   `sum` (prom-client's default for every type, gauges included);
 * - counters and gauges: `sum`, `first`, `min`, `max`, `average` over the workers that have the
 *   series; `omit` leaves the family out; a gauge keeps the latest explicit timestamp given;
 * - histograms: `sum` adds buckets, sum and count and MERGES quantile sketches (a true
 *   cluster-wide quantile, which prom-client cannot give for summaries); `first` takes the first
 *   worker's; `min`/`max`/`average` apply sample by sample as prom-client's aggregators do: to
 *   each cumulative bucket count, to the sum, to the count, and to each reported quantile's
 *   value (each worker's sketch read at that quantile); the merged sketch is kept for export;
 * - a family whose kind or histogram layout differs between workers is refused whole: a partial
 *   merge would show wrong totals. Refusals are returned as conflicts for the caller to count.
 */
import type { FamilyCursor, FamilyView } from '../core/family.js';
import type { MetricKind } from '../core/recorder.js';
import type { CounterView, GaugeView, HistogramLayout, HistogramView, SeriesView, SketchView } from '../core/series.js';
import type { SketchData } from '../core/sketch.js';
import { QuantileSketch, REPORTED_QUANTILES } from '../core/sketch.js';
import type { Unit } from '../core/units.js';
import type { AggregationMode, ClusterSnapshot, FamilySnapshot, LayoutSnapshot, SeriesSnapshot } from './snapshot.js';

/** A family that could not be merged. */
export interface MergeConflict {
  readonly metric: string;
  /** `kind` or `layout` (bounds or sketch settings differ). */
  readonly reason: 'kind' | 'layout';
  readonly message: string;
}

/** A merged series: its view and its label values. */
type Entry = readonly [SeriesView, readonly string[]];

/** A merged family, read-only. `createdAt` of a series is its `created` (epoch ms). */
export class MergedFamily implements FamilyView {
  readonly layout: HistogramLayout | undefined;

  constructor(
    readonly name: string,
    readonly kind: MetricKind,
    readonly unit: Unit | undefined,
    readonly description: string | undefined,
    readonly info: boolean,
    layout: LayoutSnapshot | undefined,
    private readonly entries: readonly Entry[],
  ) {
    this.layout = layout === undefined ? undefined : { ...layout, bounds: Float64Array.from(layout.bounds) };
    if (this.layout !== undefined) for (const [s] of entries) (s as { layout: HistogramLayout }).layout = this.layout;
  }

  get seriesCount(): number {
    return this.entries.length;
  }

  forEachSeries(cb: (series: SeriesView, labelValues: readonly string[]) => void): void {
    for (const [s, v] of this.entries) cb(s, v);
  }

  cursor(): FamilyCursor {
    let i = 0;
    const entries = this.entries;
    return {
      next(budget, cb) {
        const end = Math.min(entries.length, i + budget);
        for (; i < end; i++) {
          const [s, v] = entries[i] as Entry;
          cb(s, v);
        }
        return i < entries.length;
      },
    };
  }
}

/** One step of each mode over the workers' values (`average` sums, then divides by their number). */
const step: Record<Exclude<AggregationMode, 'omit'>, (acc: number, v: number) => number> = {
  sum: (a, v) => a + v,
  first: (a) => a,
  min: (a, v) => (v < a ? v : a),
  max: (a, v) => (v > a ? v : a),
  average: (a, v) => a + v,
};

/** Label-name arrays shared by every series with the same names (the renderer caches by identity). */
class Owners {
  private readonly map = new Map<string, { labelNames: readonly string[] }>();
  /** By the array itself: readSnapshot hands out one array per distinct list, so the join runs once per list. */
  private readonly seen = new Map<readonly string[], { labelNames: readonly string[] }>();
  get(names: readonly string[]): { labelNames: readonly string[] } {
    let o = this.seen.get(names);
    if (o !== undefined) return o;
    const key = names.join(',');
    o = this.map.get(key);
    if (o === undefined) this.map.set(key, (o = { labelNames: [...names] }));
    this.seen.set(names, o);
    return o;
  }
}

/** A level of a {@link Groups} trie: the next label's value to the next level, or (the last label) to the series. */
type Level = Map<string, Level | SeriesSnapshot[]>;

/**
 * The series of one family grouped by label set: by label names (their owner), then value by
 * value down a trie. No key string is built per series (a names-and-values key per series made
 * the merge of 4 × 10k series spend most of its time building and hashing keys), and a value
 * holding any character (a NUL included) needs no escaping.
 */
class Groups {
  private readonly roots = new Map<object, Level>();
  private readonly bare = new Map<object, SeriesSnapshot[]>();
  /** Groups in first-seen order: the order the merged family shows its series. */
  readonly order: Array<{ owner: { labelNames: readonly string[] }; parts: SeriesSnapshot[] }> = [];

  /** Adds `s`; with `keepFirst`, a series already seen keeps only the first worker's. */
  add(owner: { labelNames: readonly string[] }, s: SeriesSnapshot, keepFirst: boolean): void {
    const values = s.values;
    const n = values.length;
    let g: SeriesSnapshot[] | undefined;
    if (n === 0) {
      g = this.bare.get(owner);
      if (g === undefined) this.bare.set(owner, this.start(owner, s));
    } else {
      let level = this.roots.get(owner);
      if (level === undefined) this.roots.set(owner, (level = new Map()));
      for (let i = 0; i < n - 1; i++) {
        const v = values[i] as string;
        let next = level.get(v) as Level | undefined;
        if (next === undefined) level.set(v, (next = new Map()));
        level = next;
      }
      const last = values[n - 1] as string;
      g = level.get(last) as SeriesSnapshot[] | undefined;
      if (g === undefined) level.set(last, this.start(owner, s));
    }
    if (g !== undefined && !keepFirst) g.push(s);
  }

  private start(owner: { labelNames: readonly string[] }, s: SeriesSnapshot): SeriesSnapshot[] {
    const parts = [s];
    this.order.push({ owner, parts });
    return parts;
  }
}

function sameLayout(a: LayoutSnapshot, b: LayoutSnapshot): boolean {
  const list = (x: readonly number[]): string => x.join(',');
  return (
    list(a.bounds) === list(b.bounds) &&
    a.sketchAccuracy === b.sketchAccuracy &&
    list(a.reportedQuantiles) === list(b.reportedQuantiles) &&
    a.maxAge === b.maxAge &&
    a.ageBuckets === b.ageBuckets
  );
}

function mergeSketches(all: ReadonlyArray<SeriesSnapshot['sketch']>): SketchView | null {
  let out: QuantileSketch | null = null;
  for (const d of all) {
    if (d === null || d === undefined) continue;
    const s = QuantileSketch.fromData(d);
    if (out === null) out = s;
    else out.merge(s);
  }
  return out;
}

/**
 * A summary's quantiles as `min`/`max`/`average` of each worker's value at each reported
 * quantile (prom-client's per-sample aggregation); the merged sketch answers anything else
 * and is what it exports.
 */
class PerQuantile implements SketchView {
  private readonly values = new Map<number, number>();
  constructor(
    private readonly merged: SketchView,
    parts: readonly SketchView[],
    quantiles: readonly number[],
    mode: 'min' | 'max' | 'average',
  ) {
    for (const q of quantiles) {
      let acc = parts.length === 0 ? NaN : (parts[0] as SketchView).quantile(q);
      for (let i = 1; i < parts.length; i++) acc = step[mode](acc, (parts[i] as SketchView).quantile(q));
      this.values.set(q, mode === 'average' ? acc / parts.length : acc);
    }
  }
  quantile(q: number): number {
    return this.values.get(q) ?? this.merged.quantile(q);
  }
  toData(): SketchData {
    return this.merged.toData();
  }
}

/** `mode` over the workers' cumulative bucket counts, back to per-bucket counts (min, max and average keep them monotone). */
function bucketsByMode(mode: Exclude<AggregationMode, 'omit'>, parts: readonly SeriesSnapshot[]): Float64Array {
  const n = ((parts[0] as SeriesSnapshot).buckets as readonly number[]).length;
  const cumulative = new Float64Array(n);
  for (let j = 0; j < parts.length; j++) {
    const b = (parts[j] as SeriesSnapshot).buckets as readonly number[];
    let run = 0;
    for (let i = 0; i < n; i++) {
      run += b[i] as number;
      cumulative[i] = j === 0 ? run : step[mode](cumulative[i] as number, run);
    }
  }
  const out = new Float64Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = mode === 'average' ? (cumulative[i] as number) / parts.length : (cumulative[i] as number);
    out[i] = Math.max(0, c - prev);
    prev = c;
  }
  return out;
}

function histogramView(owner: { labelNames: readonly string[] }, mode: Exclude<AggregationMode, 'omit'>, layout: LayoutSnapshot, parts: readonly SeriesSnapshot[]): HistogramView {
  const first = parts[0] as SeriesSnapshot;
  let buckets: Float64Array;
  let sum = first.sum as number;
  let count = first.count as number;
  if (mode === 'sum' || mode === 'first') {
    buckets = Float64Array.from(first.buckets as readonly number[]);
    for (let j = 1; j < parts.length; j++) {
      const b = (parts[j] as SeriesSnapshot).buckets as readonly number[];
      for (let i = 0; i < buckets.length; i++) buckets[i] = (buckets[i] as number) + (b[i] as number);
    }
  } else buckets = bucketsByMode(mode, parts);
  for (let j = 1; j < parts.length; j++) {
    const p = parts[j] as SeriesSnapshot;
    sum = step[mode](sum, p.sum as number);
    count = step[mode](count, p.count as number);
  }
  if (mode === 'average') {
    sum /= parts.length;
    count /= parts.length;
  }
  let sketch: SketchView | null = mergeSketches(parts.map((p) => p.sketch));
  const windowed = parts.some((p) => p.lifetime !== undefined);
  let lifetimeSketch: SketchView | null = windowed ? mergeSketches(parts.map((p) => p.lifetime ?? p.sketch)) : sketch;
  if (sketch !== null && (mode === 'min' || mode === 'max' || mode === 'average')) {
    const quantiles = layout.reportedQuantiles.length > 0 ? layout.reportedQuantiles : REPORTED_QUANTILES;
    const perWorker = (pick: (p: SeriesSnapshot) => SketchData | null | undefined): SketchView[] =>
      parts.flatMap((p) => {
        const d = pick(p);
        return d === null || d === undefined ? [] : [QuantileSketch.fromData(d)];
      });
    const windowView: SketchView = new PerQuantile(sketch, perWorker((p) => p.sketch), quantiles, mode);
    lifetimeSketch = lifetimeSketch === sketch || lifetimeSketch === null ? windowView : new PerQuantile(lifetimeSketch, perWorker((p) => p.lifetime ?? p.sketch), quantiles, mode);
    sketch = windowView;
  }
  const view = {
    kind: 'histogram' as const,
    owner,
    created: Math.min(...parts.map((p) => p.created)),
    // set by the family (one layout object shared by its series)
    layout: undefined as unknown as HistogramLayout,
    bucketCounts: buckets,
    sum,
    count,
    sketch,
    lifetimeSketch,
    exemplars: null,
  };
  return view;
}

function valueView(kind: 'counter' | 'gauge', mode: Exclude<AggregationMode, 'omit'>, owner: { labelNames: readonly string[] }, parts: readonly SeriesSnapshot[]): CounterView | GaugeView {
  // loops, not spreads and maps: this runs once per merged series per scrape
  let value = (parts[0] as SeriesSnapshot).value as number;
  let created = (parts[0] as SeriesSnapshot).created;
  let timestamp = (parts[0] as SeriesSnapshot).timestamp ?? 0;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i] as SeriesSnapshot;
    value = step[mode](value, p.value as number);
    if (p.created < created) created = p.created;
    if ((p.timestamp ?? 0) > timestamp) timestamp = p.timestamp ?? 0;
  }
  if (mode === 'average') value /= parts.length;
  if (kind === 'counter') return { kind, owner, created, value, exemplar: null };
  return { kind, owner, created, value, timestamp };
}

/**
 * Merges `snapshots` (in order: the first seen decides a series' place and a family's help).
 * `override(name)` is the primary's mode for a family, when it sets one.
 */
export function mergeSnapshots(
  snapshots: readonly ClusterSnapshot[],
  override: (name: string) => AggregationMode | undefined,
): { families: MergedFamily[]; conflicts: MergeConflict[] } {
  const byName = new Map<string, FamilySnapshot[]>();
  for (const snap of snapshots) {
    for (const f of snap.families) {
      const list = byName.get(f.name);
      if (list === undefined) byName.set(f.name, [f]);
      else list.push(f);
    }
  }
  const families: MergedFamily[] = [];
  const conflicts: MergeConflict[] = [];
  const owners = new Owners();
  for (const [name, parts] of byName) {
    const head = parts[0] as FamilySnapshot;
    const mode = override(name) ?? head.aggregation;
    if (mode === 'omit') continue;
    const other = parts.find((p) => p.kind !== head.kind);
    if (other !== undefined) {
      conflicts.push({ metric: name, reason: 'kind', message: `"${name}" is a ${head.kind} in one worker and a ${other.kind} in another: left out` });
      continue;
    }
    if (head.kind === 'histogram') {
      if (parts.some((p) => !sameLayout(p.layout as LayoutSnapshot, head.layout as LayoutSnapshot))) {
        conflicts.push({ metric: name, reason: 'layout', message: `histogram "${name}" has different buckets or sketch settings in different workers: left out (give every worker the same histogram options)` });
        continue;
      }
    }
    const groups = new Groups();
    for (const p of parts) for (const s of p.series) groups.add(owners.get(s.names), s, mode === 'first');
    const entries: Entry[] = [];
    for (const { owner, parts: g } of groups.order) {
      const first = g[0] as SeriesSnapshot;
      const view = head.kind === 'histogram' ? histogramView(owner, mode, head.layout as LayoutSnapshot, g) : valueView(head.kind, mode, owner, g);
      entries.push([view, first.values]);
    }
    const help = parts.find((p) => p.help !== undefined)?.help;
    const unit = parts.find((p) => p.unit !== undefined)?.unit;
    families.push(new MergedFamily(name, head.kind, unit, help, parts.some((p) => p.info === true), head.layout, entries));
  }
  return { families, conflicts };
}
