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
 *   worker's; `min`/`max`/`average` have no meaning for a distribution and are refused;
 * - a family whose kind or histogram layout differs between workers is refused whole: a partial
 *   merge would show wrong totals. Refusals are returned as conflicts for the caller to count.
 */
import type { FamilyCursor, FamilyView } from '../core/family.js';
import type { MetricKind } from '../core/recorder.js';
import type { CounterView, GaugeView, HistogramLayout, HistogramView, SeriesView, SketchView } from '../core/series.js';
import { QuantileSketch } from '../core/sketch.js';
import type { Unit } from '../core/units.js';
import type { AggregationMode, ClusterSnapshot, FamilySnapshot, LayoutSnapshot, SeriesSnapshot } from './snapshot.js';

/** A family that could not be merged. */
export interface MergeConflict {
  readonly metric: string;
  /** `kind`, `layout` (bounds or sketch settings differ) or `mode` (a mode the kind cannot take). */
  readonly reason: 'kind' | 'layout' | 'mode';
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
  get(names: readonly string[]): { labelNames: readonly string[] } {
    const key = names.join(',');
    let o = this.map.get(key);
    if (o === undefined) this.map.set(key, (o = { labelNames: [...names] }));
    return o;
  }
}

/**
 * One text per label set. Label names (checked) hold no comma or NUL, so names joined by commas,
 * then the values joined by NUL, are unambiguous for a given set of names, unless a value holds
 * a NUL: then the JSON text, under a prefix no other key starts with. (JSON for every series
 * made the merge of 4 × 10k series 3× slower.)
 */
function labelKey(s: SeriesSnapshot): string {
  const values = s.values;
  for (const v of values) if (v.includes('\0')) return `\u0002${JSON.stringify([s.names, values])}`;
  return `${s.names.join(',')}\u0001${values.join('\0')}`;
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

function histogramView(owner: { labelNames: readonly string[] }, parts: readonly SeriesSnapshot[]): HistogramView {
  const first = parts[0] as SeriesSnapshot;
  const buckets = new Float64Array((first.buckets as readonly number[]).length);
  let sum = 0;
  let count = 0;
  for (const p of parts) {
    (p.buckets as readonly number[]).forEach((n, i) => (buckets[i] = (buckets[i] as number) + n));
    sum += p.sum as number;
    count += p.count as number;
  }
  const sketch = mergeSketches(parts.map((p) => p.sketch));
  const windowed = parts.some((p) => p.lifetime !== undefined);
  const lifetimeSketch = windowed ? mergeSketches(parts.map((p) => p.lifetime ?? p.sketch)) : sketch;
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
      if (mode !== 'sum' && mode !== 'first') {
        conflicts.push({ metric: name, reason: 'mode', message: `histogram "${name}" cannot be aggregated by "${mode}" (only sum, first or omit): left out` });
        continue;
      }
    }
    const groups = new Map<string, SeriesSnapshot[]>();
    for (const p of parts) {
      for (const s of p.series) {
        const key = labelKey(s);
        const g = groups.get(key);
        if (g === undefined) groups.set(key, [s]);
        else if (mode !== 'first') g.push(s);
      }
    }
    const entries: Entry[] = [];
    for (const g of groups.values()) {
      const first = g[0] as SeriesSnapshot;
      const owner = owners.get(first.names);
      const view = head.kind === 'histogram' ? histogramView(owner, g) : valueView(head.kind, mode, owner, g);
      entries.push([view, first.values]);
    }
    const help = parts.find((p) => p.help !== undefined)?.help;
    const unit = parts.find((p) => p.unit !== undefined)?.unit;
    families.push(new MergedFamily(name, head.kind, unit, help, parts.some((p) => p.info === true), head.layout, entries));
  }
  return { families, conflicts };
}
