/**
 * Reads a source of metric families into remote-write samples: the same series a scrape of
 * the text format (0.0.4) would give, so a series pushed and a series scraped are one series.
 *
 * - a counter: `<base>_total` (base: the name without a trailing `_total`);
 * - a gauge: its name, stamped with its `setAt` time when it has one;
 * - a histogram: cumulative `<name>_bucket{le}` (with `+Inf`), `<name>_sum`, `<name>_count`;
 * - a histogram with a quantile sketch and no buckets is a summary:
 *   `<name>{quantile}`, `<name>_sum`, `<name>_count`.
 *
 * Each output series' labels (external labels merged in; the series' own win, as in
 * Prometheus, unless empty: an empty label is no label) are encoded once, with their hash for
 * sharding, and found again by the series object or, when the object is new, by its labels.
 *
 * Staleness (remote write 1.0: senders MUST send stale markers): an output series read in the
 * previous snapshot and whose labels are absent from this one (its series was removed or
 * expired, and not registered again) gets one
 * sample of {@link STALE_NAN} stamped with this snapshot's time, as Prometheus writes after a
 * scrape in which a series is gone; queries stop returning it from that point on.
 */
import { counterBase } from '../core/exposed-names.js';
import type { FamilyView } from '../core/family.js';
import type { SeriesView } from '../core/series.js';
import type { Metadata } from './proto.js';
import { encodeLabels } from './proto.js';

/** Where the writer reads metrics: a Registry is one. */
export interface RemoteWriteSource {
  /** The live metric families. */
  families(): Iterable<FamilyView>;
  /** Runs scrape-time collectors (a Registry's `collect()`); never rejects. */
  collect?(): Promise<void>;
}

/** One output series: its encoded labels and where it goes. */
export interface SeriesRef {
  readonly labels: Uint8Array;
  /** FNV-1a of the labels: picks the shard, so a series always goes through the same one. */
  readonly hash: number;
  /**
   * Timestamp last queued: a sample not newer is not queued (a gauge's unchanged `setAt` time,
   * two snapshots in one ms), as the receiver would reject it as out of order or duplicate.
   */
  last: number;
  /** The number of the last snapshot that read this series (stale-marker bookkeeping). */
  seen: number;
}

/**
 * The output series of one source series, found again by its labels: a series removed and
 * registered again (a new object, the same labels) or a merged cluster view (new objects every
 * scrape) gets the same refs back, so it keeps its `last` time and gets no stale marker.
 */
interface Group {
  /** The family's name, label names and values: what the output labels are made of. */
  readonly key: string;
  /** The histogram layout the refs were made for (bounds or quantiles); '' for a counter or gauge. */
  readonly shape: string;
  readonly refs: SeriesRef[];
}
/**
 * Prometheus's StaleNaN: the NaN with bits 0x7ff0000000000002 (value.StaleNaN), which the
 * receiver stores as a staleness marker. Only its exact bits mean "stale": typed arrays carry
 * them through unchanged (ring.ts, ProtoWriter's DataView), unlike a plain `NaN`.
 */
export const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0] as number;

/** Receives each sample of a snapshot (it applies the `last` rule). */
export type Emit = (ref: SeriesRef, value: number, timestampMs: number) => void;

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Series visited between two turns of the event loop, so 100k series never stall it. */
const SLICE = 5000;

const isSummary = (f: FamilyView): boolean => f.layout !== undefined && f.layout.bounds.length === 0 && f.layout.sketchAccuracy !== null;

/** The metadata Prometheus would record for `f` when scraping it as text 0.0.4. */
export function metadataOf(f: FamilyView): Metadata {
  const type = f.kind === 'histogram' ? (isSummary(f) ? 'summary' : 'histogram') : f.kind;
  const family = f.kind === 'counter' ? `${counterBase(f.name)}_total` : f.name;
  return { type, family, help: f.description ?? '', unit: f.unit ?? '' };
}

/** Reads snapshots of a source, caching each series' encoded labels. */
export class SnapshotReader {
  /** The fast path: a registry's series objects live on between snapshots. */
  private readonly cache = new WeakMap<SeriesView, Group>();
  /** Every group read by the last snapshot, by key: found again when the object is new. */
  private readonly byKey = new Map<string, Group>();
  private readonly external: ReadonlyArray<readonly [string, string]>;
  /** The groups read by the previous snapshot. */
  private previous: Group[] = [];
  private generation = 0;

  constructor(externalLabels: Readonly<Record<string, string>>) {
    this.external = Object.entries(externalLabels);
  }

  /**
   * Emits every sample of `source` stamped `now` (ms), then a stale marker for each output
   * series of the previous snapshot whose labels were not read in this one; resolves with the
   * number of samples read.
   */
  async read(source: RemoteWriteSource, now: number, emit: Emit): Promise<number> {
    let n = 0;
    const gen = ++this.generation;
    const current: Group[] = [];
    for (const f of source.families()) {
      if (f.seriesCount === 0) continue;
      const cursor = f.cursor();
      const visit = (s: SeriesView, values: readonly string[]): void => {
        const g = this.group(f, s, values);
        for (const r of g.refs) r.seen = gen;
        current.push(g);
        n += this.series(f, s, g.refs, now, emit);
      };
      while (cursor.next(SLICE, visit)) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // per output series, not per group: a histogram whose buckets changed keeps its _sum and _count
    for (const g of this.previous) {
      for (const ref of g.refs) if (ref.seen !== gen) emit(ref, STALE_NAN, now);
      if (g.refs[0]?.seen !== gen && this.byKey.get(g.key) === g) this.byKey.delete(g.key);
    }
    this.previous = current;
    return n;
  }

  private group(f: FamilyView, s: SeriesView, values: readonly string[]): Group {
    const cached = this.cache.get(s);
    if (cached !== undefined) return cached;
    const names = s.owner.labelNames;
    // length-prefixed: no separator a label value could hold makes two keys equal
    let key = `${f.name.length}:${f.name}`;
    for (let i = 0; i < names.length; i++) {
      const v = values[i] ?? '';
      key += `${(names[i] as string).length}:${names[i] as string}${v.length}:${v}`;
    }
    const shape = s.kind !== 'histogram' ? '' : isSummary(f) ? `q${s.layout.reportedQuantiles.join(',')}` : `b${s.layout.bounds.join(',')}`;
    let g = this.byKey.get(key);
    if (g === undefined || g.shape !== shape) {
      const old = g;
      g = { key, shape, refs: this.refs(f, s, values, shape) };
      // an output series the old shape had too is the same series: it keeps its ref
      if (old !== undefined) g.refs.forEach((r, i) => (g as Group).refs[i] = old.refs.find((o) => Buffer.compare(o.labels, r.labels) === 0) ?? r);
      this.byKey.set(key, g);
    }
    this.cache.set(s, g);
    return g;
  }

  private refs(f: FamilyView, s: SeriesView, values: readonly string[], shape: string): SeriesRef[] {
    const names = s.owner.labelNames;
    const own: Array<[string, string]> = names.map((name, i) => [name, values[i] ?? '']);
    // an own label with an empty value is absent (encodeLabels leaves it out): the external one applies
    const set = own.filter(([, v]) => v !== '').map(([n]) => n);
    const base: Array<readonly [string, string]> = [...this.external.filter(([k]) => !set.includes(k)), ...own];
    const make = (name: string, extra?: readonly [string, string]): SeriesRef => {
      const labels = encodeLabels([['__name__', name], ...base, ...(extra === undefined ? [] : [extra])]);
      return { labels, hash: fnv1a(labels), last: -1, seen: 0 };
    };
    if (s.kind === 'counter') return [make(`${counterBase(f.name)}_total`)];
    if (s.kind === 'gauge') return [make(f.name)];
    const refs: SeriesRef[] = [];
    // le and quantile values as text 0.0.4 writes them (`0.5`, `1`, `+Inf`)
    if (shape.startsWith('q')) for (const q of s.layout.reportedQuantiles) refs.push(make(f.name, ['quantile', String(q)]));
    else {
      for (const b of s.layout.bounds) refs.push(make(`${f.name}_bucket`, ['le', String(b)]));
      refs.push(make(`${f.name}_bucket`, ['le', '+Inf']));
    }
    refs.push(make(`${f.name}_sum`), make(`${f.name}_count`));
    return refs;
  }

  private series(f: FamilyView, s: SeriesView, refs: readonly SeriesRef[], now: number, emit: Emit): number {
    if (s.kind === 'counter') {
      emit(refs[0] as SeriesRef, s.value, now);
      return 1;
    }
    if (s.kind === 'gauge') {
      emit(refs[0] as SeriesRef, s.value, s.timestamp === 0 ? now : Math.round(s.timestamp));
      return 1;
    }
    let i = 0;
    if (isSummary(f)) {
      const sketch = s.sketch;
      for (const q of s.layout.reportedQuantiles) {
        const r = refs[i++] as SeriesRef;
        if (sketch !== null) emit(r, sketch.quantile(q), now);
      }
    } else {
      let cum = 0;
      const counts = s.bucketCounts;
      for (let b = 0; b < counts.length; b++) {
        cum += counts[b] as number;
        emit(refs[i++] as SeriesRef, cum, now);
      }
    }
    emit(refs[i++] as SeriesRef, s.sum, now);
    emit(refs[i++] as SeriesRef, s.count, now);
    return i;
  }
}
