/**
 * What a worker sends its primary: a JSON-safe copy of its source's families, and the check the
 * primary runs on it. A snapshot crosses a process (or thread) boundary, so the primary trusts
 * nothing in it: {@link readSnapshot} refuses a bad one whole, with a coded error naming the
 * bad field, before anything is merged.
 *
 * Encoding: one object per family, one per series; label names and values as parallel arrays
 * (as exporters read them); histogram buckets as per-bucket (not cumulative) counts, the last
 * one the +Inf bucket; quantile sketches as `QuantileSketch.toData()`. No Infinity or NaN can
 * appear (the registry refuses them), so JSON and structured clone both carry it unchanged.
 */
import { validateBuckets } from '../core/buckets.js';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import type { DefaultLabelSet } from '../core/default-labels.js';
import { checkDefaultLabels, missingDefaults } from '../core/default-labels.js';
import type { FamilyView } from '../core/family.js';
import type { Labels } from '../core/labels.js';
import { validateDescription, validateLabelName, validateMetricName } from '../core/labels.js';
import type { MetricKind } from '../core/recorder.js';
import type { HistogramLayout, SeriesView } from '../core/series.js';
import type { SketchData } from '../core/sketch.js';
import { QuantileSketch } from '../core/sketch.js';
import { parseUnit } from '../core/units.js';
import type { Unit } from '../core/units.js';

/** How the series of one metric are combined across workers (prom-client's `aggregator`). */
export type AggregationMode = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';

/** Every {@link AggregationMode}. */
export const AGGREGATION_MODES: readonly AggregationMode[] = Object.freeze(['sum', 'first', 'min', 'max', 'average', 'omit']);

/** A histogram family's layout, as sent (`HistogramLayout` with plain arrays). */
export interface LayoutSnapshot {
  readonly bounds: readonly number[];
  readonly sketchAccuracy: number | null;
  readonly reportedQuantiles: readonly number[];
  readonly maxAge: number;
  readonly ageBuckets: number;
}

/** One series, as sent. */
export interface SeriesSnapshot {
  readonly names: readonly string[];
  readonly values: readonly string[];
  /** Epoch ms of its creation (for `_created`). */
  readonly created: number;
  /** Counter or gauge value. */
  readonly value?: number;
  /** A gauge's explicit sample time (epoch ms; 0: none). */
  readonly timestamp?: number;
  /** Histogram: observations per bucket, the last the +Inf bucket. */
  readonly buckets?: readonly number[];
  readonly sum?: number;
  readonly count?: number;
  /** The sketch the summary reads (the window, when the family has one). */
  readonly sketch?: SketchData | null;
  /** The all-time sketch, only when it is not `sketch` (a windowed family). */
  readonly lifetime?: SketchData;
}

/** One family, as sent. */
export interface FamilySnapshot {
  readonly name: string;
  readonly kind: MetricKind;
  readonly unit?: Unit;
  readonly help?: string;
  /** An info metric (`*_info`), when the source marks it. */
  readonly info?: boolean;
  readonly aggregation: AggregationMode;
  readonly layout?: LayoutSnapshot;
  readonly series: readonly SeriesSnapshot[];
}

/** What a worker answers with. */
export interface ClusterSnapshot {
  readonly families: readonly FamilySnapshot[];
}

/** What a snapshot is made from: a Registry is one. */
export interface SnapshotSource {
  families(): Iterable<FamilyView>;
  /** Epoch ms when a series was created. */
  createdAt(series: SeriesView): number;
  /** Labels every series lacking them gets (a Registry's `setDefaultLabels`): baked into the snapshot. */
  defaultLabels?(): Labels;
}

function layoutSnapshot(layout: HistogramLayout): LayoutSnapshot {
  return {
    bounds: Array.from(layout.bounds),
    sketchAccuracy: layout.sketchAccuracy,
    reportedQuantiles: [...layout.reportedQuantiles],
    maxAge: layout.maxAge,
    ageBuckets: layout.ageBuckets,
  };
}

/**
 * A series' label names and values with the source's default labels it lacks added, by the
 * renderers' one rule (core/default-labels.ts), so the primary shows what the worker's own
 * /metrics would. Cached per label set (`own` is one array per label set).
 */
class Labelling {
  private readonly cache = new Map<readonly string[], { names: readonly string[]; extra: readonly string[] }>();
  constructor(private readonly defaults: DefaultLabelSet | null) {}

  names(own: readonly string[]): readonly string[] {
    return this.defaults === null ? own : this.entry(own).names;
  }

  values(own: readonly string[], values: readonly string[]): string[] {
    return this.defaults === null ? values.slice() : values.concat(this.entry(own).extra);
  }

  private entry(own: readonly string[]): { names: readonly string[]; extra: readonly string[] } {
    let hit = this.cache.get(own);
    if (hit === undefined) {
      const missing = missingDefaults(this.defaults as DefaultLabelSet, own);
      hit = { names: [...own, ...missing.map(([n]) => n)], extra: missing.map(([, v]) => v) };
      this.cache.set(own, hit);
    }
    return hit;
  }
}

function seriesSnapshot(source: SnapshotSource, labelling: Labelling, s: SeriesView, values: readonly string[]): SeriesSnapshot {
  // object literals, not spreads: this runs once per series per scrape
  const own = s.owner.labelNames;
  const names = labelling.names(own);
  const vals = labelling.values(own, values);
  const created = source.createdAt(s);
  if (s.kind === 'counter') return { names, values: vals, created, value: s.value };
  if (s.kind === 'gauge') return s.timestamp === 0 ? { names, values: vals, created, value: s.value } : { names, values: vals, created, value: s.value, timestamp: s.timestamp };
  const sketch = s.sketch === null ? null : s.sketch.toData();
  const lifetime = s.lifetimeSketch;
  const buckets = Array.from(s.bucketCounts);
  if (lifetime === null || lifetime === s.sketch) return { names, values: vals, created, buckets, sum: s.sum, count: s.count, sketch };
  return { names, values: vals, created, buckets, sum: s.sum, count: s.count, sketch, lifetime: lifetime.toData() };
}

/** A snapshot of every family of `source`, each with the aggregation `modeOf` gives it. */
export function takeSnapshot(source: SnapshotSource, modeOf: (name: string) => AggregationMode): ClusterSnapshot {
  const families: FamilySnapshot[] = [];
  const labelling = new Labelling(source.defaultLabels === undefined ? null : checkDefaultLabels(source.defaultLabels()));
  for (const f of source.families()) {
    const series: SeriesSnapshot[] = [];
    f.forEachSeries((s, values) => series.push(seriesSnapshot(source, labelling, s, values)));
    const info = f.info;
    families.push({
      name: f.name,
      kind: f.kind,
      ...(f.unit === undefined ? {} : { unit: f.unit }),
      ...(f.description === undefined ? {} : { help: f.description }),
      ...(info === true ? { info: true } : {}),
      aggregation: modeOf(f.name),
      ...(f.layout === undefined ? {} : { layout: layoutSnapshot(f.layout) }),
      series,
    });
  }
  return { families };
}

/**
 * The series of a counter or gauge family as columns: what a worker sends (see
 * {@link encodeSnapshot}). Label-name lists appear once; `name[i]` is the list of series `i`
 * (absent when there is one list), whose label values are the next `names[name[i]].length`
 * entries of `values`; `created[i]` is ms after `createdBase`. Against one object per series
 * this cuts the bytes on the channel (Node's JSON IPC re-scans a message's text as each chunk
 * arrives, so its cost grows faster than its size) and the garbage JSON.parse makes in the
 * primary: 10k counter series, 1 MB a worker down to about 0.35 MB.
 */
export interface SeriesColumns {
  readonly names: ReadonlyArray<readonly string[]>;
  readonly name?: readonly number[];
  readonly values: readonly string[];
  /** Epoch ms the `created` offsets count from. */
  readonly createdBase: number;
  readonly created: readonly number[];
  readonly value: readonly number[];
  /** Gauges with an explicit sample time only (0: none). */
  readonly timestamp?: readonly number[];
}

/** A family as sent: counters and gauges as {@link SeriesColumns}, histograms as series objects. */
export type WireFamily = Omit<FamilySnapshot, 'series'> & ({ readonly series: readonly SeriesSnapshot[] } | { readonly columns: SeriesColumns });

/** {@link takeSnapshot}'s result in the form a worker sends; {@link readSnapshot} takes both. */
export function encodeSnapshot(snapshot: ClusterSnapshot): { families: WireFamily[] } {
  return {
    families: snapshot.families.map((f): WireFamily => {
      if (f.kind === 'histogram') return f;
      const lists: Array<readonly string[]> = [];
      const index = new Map<readonly string[], number>();
      const name: number[] = [];
      const values: string[] = [];
      const created: number[] = [];
      const value: number[] = [];
      let timestamp: number[] | undefined;
      f.series.forEach((s, i) => {
        let k = index.get(s.names);
        if (k === undefined) {
          k = lists.length;
          lists.push(s.names);
          index.set(s.names, k);
        }
        name.push(k);
        for (const v of s.values) values.push(v);
        created.push(s.created);
        value.push(s.value as number);
        if (s.timestamp !== undefined && s.timestamp !== 0) (timestamp ??= new Array<number>(i).fill(0)).push(s.timestamp);
        else timestamp?.push(0);
      });
      let createdBase = Infinity;
      for (const c of created) if (c < createdBase) createdBase = c;
      if (createdBase === Infinity) createdBase = 0;
      for (let i = 0; i < created.length; i++) created[i] = (created[i] as number) - createdBase;
      const { series: _series, ...rest } = f;
      const columns: SeriesColumns = {
        names: lists,
        ...(lists.length > 1 ? { name } : {}),
        values,
        createdBase,
        created,
        value,
        ...(timestamp === undefined ? {} : { timestamp }),
      };
      return { ...rest, columns };
    }),
  };
}

// ---- the primary's check ----

/** How big a snapshot the primary takes from one worker. */
export interface SnapshotLimits {
  /** Series over all families. */
  readonly maxSeries: number;
  /** Approximate encoded size: the length of every string, 8 bytes a number. */
  readonly maxBytes: number;
}

/** Default {@link SnapshotLimits}: 500 000 series, 128 MiB (10 000 counter series take about 1 MB). */
export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = Object.freeze({ maxSeries: 500_000, maxBytes: 128 * 1024 * 1024 });

/** A snapshot refused for its size (coded `ERR_METERKIT_CLUSTER_SNAPSHOT`, like any refusal). */
export class SnapshotTooLargeError extends MeterkitError {
  constructor(message: string) {
    super(ErrorCode.ClusterSnapshot, message);
    this.name = 'SnapshotTooLargeError';
  }
}

/** What a snapshot has used of its limits so far. */
class Budget {
  private series = 0;
  private bytes = 0;
  constructor(private readonly limits: SnapshotLimits) {}
  /** Counts one series of `bytes`; throws past a limit, before the rest is read. */
  spend(bytes: number): void {
    this.series++;
    this.bytes += bytes;
    if (this.series > this.limits.maxSeries) throw new SnapshotTooLargeError(`snapshot too large: more than ${this.limits.maxSeries} series (maxSnapshotSeries)`);
    if (this.bytes > this.limits.maxBytes) throw new SnapshotTooLargeError(`snapshot too large: more than ${this.limits.maxBytes} bytes (maxSnapshotBytes)`);
  }
}

function textBytes(list: readonly string[]): number {
  let n = 0;
  for (const s of list) n += s.length;
  return n;
}

function sketchBytes(d: SketchData | null | undefined): number {
  // already checked by readSketch (or refused next): its bins dominate
  return d === null || d === undefined ? 0 : 48 + 8 * (d.positive.length + d.negative.length);
}

function refuse(where: string, value: unknown, rule: string): never {
  throw new MeterkitError(ErrorCode.ClusterSnapshot, `invalid cluster snapshot: ${where} ${describeValue(value)}: ${rule}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(where: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) refuse(where, v, min === 0 ? 'it must be a finite number ≥ 0' : 'it must be a finite number');
  return v;
}

function strings(where: string, v: unknown, check?: (s: string) => void): string[] {
  if (!Array.isArray(v)) refuse(where, v, 'it must be an array of strings');
  for (const s of v) {
    if (typeof s !== 'string') refuse(where, s, 'it must be a string');
    check?.(s);
  }
  return v as string[];
}

function numbers(where: string, v: unknown, min = -Infinity): number[] {
  if (!Array.isArray(v)) refuse(where, v, 'it must be an array of numbers');
  for (const n of v) finite(where, n, min);
  return v as number[];
}

/** Runs a core check and turns its error into a snapshot refusal (the cause kept). */
function checked<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new MeterkitError(ErrorCode.ClusterSnapshot, `invalid cluster snapshot: ${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function readLayout(name: string, v: unknown): LayoutSnapshot {
  if (!isObject(v)) refuse(`layout of "${name}"`, v, 'a histogram needs a layout object');
  const bounds = numbers(`bounds of "${name}"`, v.bounds);
  if (bounds.length > 0) checked(`bounds of "${name}"`, () => validateBuckets(bounds, name));
  const acc = v.sketchAccuracy;
  if (acc !== null && (typeof acc !== 'number' || !(acc > 0 && acc < 1))) refuse(`sketchAccuracy of "${name}"`, acc, 'it must be null or a number between 0 and 1');
  const reportedQuantiles = numbers(`reportedQuantiles of "${name}"`, v.reportedQuantiles, 0);
  reportedQuantiles.forEach((q, i) => {
    if (q > 1 || (i > 0 && !(q > (reportedQuantiles[i - 1] as number)))) refuse(`reportedQuantiles of "${name}"`, q, 'each must be from 0 to 1, strictly increasing');
  });
  const maxAge = finite(`maxAge of "${name}"`, v.maxAge, 0);
  const ageBuckets = finite(`ageBuckets of "${name}"`, v.ageBuckets, 0);
  return { bounds, sketchAccuracy: acc, reportedQuantiles, maxAge, ageBuckets };
}

function readSketch(where: string, v: unknown, accuracy: number | null): SketchData {
  if (!isObject(v)) refuse(where, v, 'it must be sketch data');
  const data = v as unknown as SketchData;
  // fromData checks every bin; the sketch made here is thrown away, the data is what is kept
  checked(where, () => QuantileSketch.fromData(data));
  if (data.relativeAccuracy !== accuracy) refuse(`${where} relativeAccuracy`, data.relativeAccuracy, `it must be the family's sketchAccuracy (${String(accuracy)})`);
  return data;
}

/** What the series of one family are checked against. */
interface FamilyCheck {
  readonly budget: Budget;
  readonly name: string;
  readonly kind: MetricKind;
  readonly layout?: LayoutSnapshot;
  /** Label-name lists already checked; a series gets the checked array itself (one per distinct list). */
  readonly checkedNames: Array<readonly string[]>;
  lastNames: readonly string[] | null;
}

/** True when `v` is an array holding exactly the strings of `list`, in order. */
function sameList(v: unknown, list: readonly string[]): boolean {
  if (!Array.isArray(v) || v.length !== list.length) return false;
  for (let i = 0; i < list.length; i++) if (v[i] !== list[i]) return false;
  return true;
}

function readNames(f: FamilyCheck, at: string, v: unknown): readonly string[] {
  // the series of a family nearly always share one list: compared with the last, element by
  // element (a JSON text per series as the cache key made the check the costliest part of a read)
  const last = f.lastNames;
  if (last !== null && sameList(v, last)) return last;
  for (const known of f.checkedNames) {
    if (sameList(v, known)) {
      f.lastNames = known;
      return known;
    }
  }
  const names = strings(`label names of ${at}`, v, (n) => checked(`label names of ${at}`, () => validateLabelName(n, f.name)));
  if (new Set(names).size !== names.length) refuse(`label names of ${at}`, names, 'a label name must not repeat');
  // bounded: a family with more distinct lists than this is checked list by list
  if (f.checkedNames.length < 64) f.checkedNames.push(names);
  f.lastNames = names;
  return names;
}

function readSeries(f: FamilyCheck, v: unknown): SeriesSnapshot {
  const at = `a series of "${f.name}"`;
  if (!isObject(v)) refuse(at, v, 'it must be an object');
  const names = readNames(f, at, v.names);
  const values = strings(`label values of ${at}`, v.values);
  if (values.length !== names.length) refuse(`label values of ${at}`, values, `there must be one per label name (${names.length})`);
  const created = finite(`created of ${at}`, v.created, 0);
  if (f.kind !== 'histogram') {
    const value = finite(`value of ${at}`, v.value, f.kind === 'counter' ? 0 : -Infinity);
    const timestamp = v.timestamp === undefined ? 0 : finite(`timestamp of ${at}`, v.timestamp, 0);
    f.budget.spend(textBytes(names) + textBytes(values) + 24);
    return { names, values, created, value, timestamp };
  }
  const layout = f.layout as LayoutSnapshot;
  const buckets = numbers(`buckets of ${at}`, v.buckets, 0);
  if (buckets.length !== layout.bounds.length + 1) refuse(`buckets of ${at}`, buckets, `there must be ${layout.bounds.length + 1} (the bounds and +Inf)`);
  const sum = finite(`sum of ${at}`, v.sum);
  const count = finite(`count of ${at}`, v.count, 0);
  const sketch = v.sketch === null || v.sketch === undefined ? null : readSketch(`sketch of ${at}`, v.sketch, layout.sketchAccuracy);
  if ((sketch === null) !== (layout.sketchAccuracy === null)) refuse(`sketch of ${at}`, v.sketch, 'a series has a sketch exactly when its family keeps one');
  const out = { names, values, created, buckets, sum, count, sketch };
  f.budget.spend(textBytes(names) + textBytes(values) + 8 * (buckets.length + 3) + sketchBytes(sketch) + (isObject(v.lifetime) && Array.isArray(v.lifetime.positive) && Array.isArray(v.lifetime.negative) ? sketchBytes(v.lifetime as unknown as SketchData) : 0));
  return v.lifetime === undefined ? out : { ...out, lifetime: readSketch(`lifetime sketch of ${at}`, v.lifetime, layout.sketchAccuracy) };
}

/** Column `key` of `cols`: an array of `n` entries (or of any length when `n` is undefined). */
function column(f: FamilyCheck, cols: Record<string, unknown>, key: string, n?: number): unknown[] {
  const c = cols[key];
  if (!Array.isArray(c)) refuse(`columns.${key} of "${f.name}"`, c, 'it must be an array');
  if (n !== undefined && c.length !== n) refuse(`columns.${key} of "${f.name}"`, c.length, `it must have one entry per series (${n})`);
  return c;
}

/** The series of a counter or gauge family sent as {@link SeriesColumns}, checked as {@link readSeries} checks one. */
function readColumns(f: FamilyCheck, v: unknown): SeriesSnapshot[] {
  if (!isObject(v)) refuse(`columns of "${f.name}"`, v, 'it must be an object');
  const at = `a series of "${f.name}"`;
  const lists = column(f, v, 'names').map((l) => readNames(f, at, l));
  const created = column(f, v, 'created');
  const n = created.length;
  // one list: every series has it
  const name = v.name === undefined && lists.length === 1 ? null : column(f, v, 'name', n);
  const values = strings(`label values of ${at}`, column(f, v, 'values'));
  const base = finite(`columns.createdBase of "${f.name}"`, v.createdBase, 0);
  const value = column(f, v, 'value', n);
  const timestamp = v.timestamp === undefined ? undefined : column(f, v, 'timestamp', n);
  const out: SeriesSnapshot[] = new Array<SeriesSnapshot>(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const k = name === null ? 0 : name[i];
    const names = typeof k === 'number' ? lists[k] : undefined;
    if (names === undefined) refuse(`columns.name of "${f.name}"`, k, `it must index columns.names (0 to ${lists.length - 1})`);
    if (off + names.length > values.length) refuse(`columns.values of "${f.name}"`, values.length, 'too few label values for the series');
    const vals = values.slice(off, (off += names.length));
    const c = base + finite(`created of ${at}`, created[i], 0);
    const x = finite(`value of ${at}`, value[i], f.kind === 'counter' ? 0 : -Infinity);
    const t = timestamp === undefined ? 0 : finite(`timestamp of ${at}`, timestamp[i], 0);
    f.budget.spend(textBytes(vals) + 24);
    out[i] = { names, values: vals, created: c, value: x, timestamp: t };
  }
  if (off !== values.length) refuse(`columns.values of "${f.name}"`, values.length, `there must be exactly one per label of each series (${off})`);
  return out;
}

function readFamily(v: unknown, budget: Budget): FamilySnapshot {
  if (!isObject(v)) refuse('family', v, 'it must be an object');
  const name = checked('family name', () => validateMetricName(v.name));
  const kind = v.kind;
  if (kind !== 'counter' && kind !== 'gauge' && kind !== 'histogram') refuse(`kind of "${name}"`, kind, 'it must be counter, gauge or histogram');
  const aggregation = v.aggregation;
  if (!AGGREGATION_MODES.includes(aggregation as AggregationMode)) refuse(`aggregation of "${name}"`, aggregation, `it must be one of ${AGGREGATION_MODES.join(', ')}`);
  const unit = v.unit === undefined ? undefined : checked(`unit of "${name}"`, () => parseUnit(v.unit));
  const help = v.help === undefined ? undefined : checked(`help of "${name}"`, () => validateDescription(v.help, name));
  if (v.info !== undefined && typeof v.info !== 'boolean') refuse(`info of "${name}"`, v.info, 'it must be true or false');
  const layout = kind === 'histogram' ? readLayout(name, v.layout) : undefined;
  const check: FamilyCheck = { budget, name, kind, layout, checkedNames: [], lastNames: null };
  let series: SeriesSnapshot[];
  if (v.columns !== undefined && kind !== 'histogram') series = readColumns(check, v.columns);
  else {
    if (!Array.isArray(v.series)) refuse(`series of "${name}"`, v.series, 'it must be an array');
    series = v.series.map((s: unknown) => readSeries(check, s));
  }
  return {
    name,
    kind,
    aggregation: aggregation as AggregationMode,
    series,
    ...(unit === undefined ? {} : { unit }),
    ...(help === undefined ? {} : { help }),
    ...(v.info === true ? { info: true } : {}),
    ...(layout === undefined ? {} : { layout }),
  };
}

/**
 * Checks a snapshot that came from another process or thread, within `limits`.
 * @throws MeterkitError `ERR_METERKIT_CLUSTER_SNAPSHOT` naming the first bad field;
 *   a {@link SnapshotTooLargeError} past a limit.
 */
export function readSnapshot(v: unknown, limits: SnapshotLimits = DEFAULT_SNAPSHOT_LIMITS): ClusterSnapshot {
  if (!isObject(v) || !Array.isArray(v.families)) refuse('snapshot', v, 'it must be an object with a families array');
  const seen = new Set<string>();
  const budget = new Budget(limits);
  const families = v.families.map((f: unknown) => {
    const family = readFamily(f, budget);
    if (seen.has(family.name)) refuse('family name', family.name, 'a family must appear once');
    seen.add(family.name);
    return family;
  });
  return { families };
}
