import { ErrorCode, MeterkitError } from './errors.js';
import type { Labels, LabelPairs } from './labels.js';
import { splitLabels } from './labels.js';
import type { MetricKind } from './recorder.js';
import type { HistogramLayout, SeriesBase, SeriesOwner, SeriesView } from './series.js';
import type { InvalidReason, ValueRule } from './validate.js';
import { DETACHED, TOUCHED, sweptAt, untouchedSince } from './series.js';
import type { Node, Visit } from './trie.js';
import { SeriesCursor, newNode, trieDelete, trieGet, trieSet, trieWalk } from './trie.js';
import type { Unit } from './units.js';

/** The label name and value of the overflow series a family falls back to at its cardinality limit. */
export const OVERFLOW_LABEL = 'meterkit_overflow';

/** One set of label names of a family, in one order. Canonical sets own their series. */
export class LabelSet implements SeriesOwner {
  readonly root: Node = newNode();
  /** The set that owns series with these names (itself, unless this is another order). */
  readonly canonical: LabelSet;
  /** For an alias: perm[i] is where labelNames[i] sits in the canonical order. */
  readonly perm: number[] | null;

  constructor(
    readonly family: Family,
    readonly labelNames: readonly string[],
    canonical?: LabelSet,
  ) {
    this.canonical = canonical ?? this;
    this.perm = canonical === undefined ? null : labelNames.map((n) => canonical.labelNames.indexOf(n));
  }

  get name(): string {
    return this.family.name;
  }

  revive(series: SeriesBase): void {
    this.family.revive(series);
  }

  reject(what: string, value: unknown, rule: ValueRule, reason?: InvalidReason): void {
    this.family.host.invalid(this.family.name, what, value, rule, reason);
  }

  wallClock(): number {
    return this.family.host.wallClock();
  }

  /** Values in this set's order → values in the canonical order. */
  toCanonical(values: readonly string[]): string[] {
    const out = new Array<string>(values.length);
    const perm = this.perm as number[];
    for (let i = 0; i < values.length; i++) out[perm[i] as number] = values[i] as string;
    return out;
  }

  /** Values in the canonical order → values in this set's order. */
  fromCanonical(values: readonly string[]): string[] {
    const perm = this.perm as number[];
    return perm.map((p) => values[p] as string);
  }
}

/** What a family needs from its registry. */
export interface FamilyHost {
  /** The registry clock, whole ms since its epoch. */
  clock(): number;
  /** Called each time a new label set is redirected to the overflow series. */
  onOverflow(family: Family): void;
  /** An update of `metric` was dropped (see core/validate.ts). Never throws. */
  invalid(metric: string, what: string, value: unknown, rule: ValueRule, reason?: InvalidReason): void;
  /** ms since the Unix epoch (exemplar timestamps). */
  wallClock(): number;
}

/** Read-only view of a metric family for exporters. */
export interface FamilyView {
  readonly name: string;
  readonly kind: MetricKind;
  readonly unit: Unit | undefined;
  readonly description: string | undefined;
  /** Series held, the overflow series included. */
  readonly seriesCount: number;
  /** Buckets and sketch settings of a histogram family (undefined for other kinds). */
  readonly layout: HistogramLayout | undefined;
  /**
   * True only for an info family (a gauge named `*_info` made by `Registry.info`): OpenMetrics
   * types it `info` under its name without `_info`; text 0.0.4 keeps it a gauge.
   */
  readonly info: boolean;
  /**
   * Calls `cb` for every series with its label values (parallel to `series.owner.labelNames`):
   * label sets in first-seen order, then the overflow series. `labelValues` is reused between
   * calls: copy it to keep it. Nothing is copied to iterate.
   */
  forEachSeries(cb: (series: SeriesView, labelValues: readonly string[]) => void): void;
  /**
   * The same iteration, resumable: each `next(budget, cb)` visits at most `budget` series and
   * returns false when all were visited. For exporters that render in slices.
   */
  cursor(): FamilyCursor;
}

/** A resumable iteration over a family's series (see {@link FamilyView.cursor}). */
export interface FamilyCursor<S = SeriesView> {
  next(budget: number, cb: (series: S, labelValues: readonly string[]) => void): boolean;
}

/** Makes a series for a label set, given its values in the set's (canonical) order. */
export type Create = (owner: LabelSet, values: readonly string[]) => SeriesBase;

const NO_VALUES: readonly string[] = Object.freeze([]);
const OVERFLOW_VALUES: readonly string[] = Object.freeze(['true']);

/**
 * All series of one metric name. A registry's families (`Family<AnySeries>`) are what
 * {@link FamilyView} describes; the fanout layer keeps its handle cache in one too.
 */
export class Family<S extends SeriesBase = SeriesBase> {
  unit: Unit | undefined;
  description: string | undefined;
  layout: HistogramLayout | undefined;
  /** True for an info family (see {@link FamilyView.info}). */
  info = false;
  /** Series in label sets, the overflow series excluded: what the cardinality limit counts. */
  size = 0;
  private readonly sets: LabelSet[] = [];
  private readonly canonicalByNames = new Map<string, LabelSet>();
  private last: LabelSet | null = null;
  private unlabeled: S | null = null;
  private overflow: S | null = null;
  private overflowSet: LabelSet | null = null;
  // Label values of removed series whose handles may still be used (no field on every series).
  private readonly detachedValues = new WeakMap<SeriesBase, readonly string[]>();

  constructor(
    readonly name: string,
    readonly kind: MetricKind,
    public limit: number,
    readonly host: FamilyHost,
    private create: Create,
  ) {}

  get seriesCount(): number {
    return this.size + (this.overflow === null ? 0 : 1);
  }

  /** Replaces how new series are made (e.g. new histogram buckets) while the family is empty. */
  setFactory(create: Create): void {
    this.create = create;
  }

  /** The series for `labels`, created on first use. The hot path: no allocation on a hit. */
  resolve(labels: Labels | undefined): S {
    if (labels === undefined) {
      const u = this.unlabeled;
      return u !== null ? u : this.resolveSlow(undefined);
    }
    const set = this.last;
    if (set !== null) {
      const names = set.labelNames;
      const n = names.length;
      let node: unknown = set.root;
      let i = 0;
      if (Array.isArray(labels)) {
        const pairs = labels as LabelPairs;
        if (pairs.length === n) {
          for (; i < n; i++) {
            const p = pairs[i] as readonly [string, string];
            if (p[0] !== names[i] || typeof p[1] !== 'string') break;
            node = (node as Node)[p[1]];
            if (node === undefined) break;
          }
        }
      } else {
        const obj = labels as Readonly<Record<string, string>>;
        for (const k in obj) {
          const v = obj[k];
          if (names[i] !== k || typeof v !== 'string') {
            i = -1;
            break;
          }
          // past a miss, go on checking names and values: a new series may skip the slow path
          if (node !== undefined) node = (node as Node)[v];
          i++;
        }
        if (i === n && node === undefined) return this.createIn(set, obj);
      }
      if (i === n && node !== undefined) return node as S;
    }
    return this.resolveSlow(labels);
  }

  /**
   * A new series for an object whose keys are exactly `set`'s names in its order and whose
   * values are strings (resolve checked both): the names were validated when the set was made,
   * so splitLabels would find nothing new, and the values go in as they are.
   */
  private createIn(set: LabelSet, obj: Readonly<Record<string, string>>): S {
    // splitLabels refuses iterables, and reads own keys only where for…in also sees inherited ones
    if (Symbol.iterator in obj) return this.resolveSlow(obj);
    const values = new Array<string>(set.labelNames.length);
    let i = 0;
    for (const k in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) return this.resolveSlow(obj);
      values[i++] = obj[k] as string;
    }
    return this.add(set, values);
  }

  private resolveSlow(labels: Labels | undefined): S {
    const [names, values] = splitLabels(labels, this.name);
    if (names.length === 0) {
      if (this.unlabeled !== null) return this.unlabeled;
      if (this.size >= this.limit) return this.redirect();
      const s = this.create(this.setFor(names), NO_VALUES) as S;
      this.unlabeled = s;
      this.size++;
      return s;
    }
    const set = this.setFor(names);
    this.last = set;
    const hit = trieGet(set.root, values);
    return hit !== undefined ? (hit as S) : this.add(set, values);
  }

  /** The series for `values` (valid, in `set`'s order) that `set`'s own trie does not have. */
  private add(set: LabelSet, values: string[]): S {
    const canon = set.canonical;
    const cv = set === canon ? values : set.toCanonical(values);
    let s = set === canon ? undefined : trieGet(canon.root, cv);
    if (s === undefined) {
      if (this.size >= this.limit) return this.redirect();
      s = this.create(canon, cv);
      trieSet(canon.root, cv, s);
      this.size++;
    }
    if (set !== canon) trieSet(set.root, values, s);
    return s as S;
  }

  private redirect(): S {
    this.host.onOverflow(this);
    if (this.overflow === null) {
      this.overflowSet ??= new LabelSet(this as Family, [OVERFLOW_LABEL]);
      this.overflow = this.create(this.overflowSet, OVERFLOW_VALUES) as S;
    }
    return this.overflow;
  }

  /** The label set for these names in this order, made on first use. */
  private setFor(names: readonly string[]): LabelSet {
    for (const s of this.sets) {
      const ln = s.labelNames;
      if (ln.length !== names.length) continue;
      let same = true;
      for (let i = 0; i < ln.length; i++) if (ln[i] !== names[i]) same = false;
      if (same) return s;
    }
    if (this.kind === 'histogram') {
      for (const n of names) {
        if (n === 'le' || n === 'quantile') {
          throw new MeterkitError(
            ErrorCode.InvalidLabelName,
            `invalid label name "${n}" on histogram "${this.name}": "le" and "quantile" are reserved for buckets and quantiles`,
          );
        }
      }
    }
    const key = [...names].sort().join('\u0000');
    const canon = this.canonicalByNames.get(key);
    const set = new LabelSet(this as Family, names, canon);
    if (canon === undefined) this.canonicalByNames.set(key, set);
    this.sets.push(set);
    return set;
  }

  /** Removes the series with `labels`. True when there was one. */
  remove(labels: Labels | undefined): boolean {
    const [names, values] = splitLabels(labels, this.name);
    if (names.length === 0) {
      if (this.unlabeled === null) return false;
      this.detach(this.unlabeled, NO_VALUES);
      return true;
    }
    const canon = this.canonicalByNames.get([...names].sort().join('\u0000'));
    if (canon === undefined) return false;
    const set = this.setFor(names);
    const cv = set === canon ? values : set.toCanonical(values);
    const s = trieGet(canon.root, cv);
    if (s === undefined) return false;
    this.detach(s, cv);
    return true;
  }

  /** Removes every series (the description stays). Returns how many there were. */
  removeAll(): number {
    const all: Array<[SeriesBase, string[]]> = [];
    this.forEachSeries((s, values) => all.push([s, [...values]]));
    for (const [s, values] of all) this.detach(s, values);
    return all.length;
  }

  /** Takes `s` (whose canonical label values are `values`) out of the family and resets it. */
  private detach(s: SeriesBase, values: readonly string[]): void {
    if (s === this.overflow) {
      this.overflow = null;
    } else if (s === this.unlabeled) {
      this.unlabeled = null;
      this.size--;
    } else {
      const canon = s.owner as LabelSet;
      trieDelete(canon.root, values, 0);
      for (const set of this.sets) {
        if (set.canonical === canon && set !== canon) trieDelete(set.root, set.fromCanonical(values), 0);
      }
      this.size--;
      this.detachedValues.set(s, values);
    }
    s.mark = DETACHED;
    s.reset();
  }

  /** A handle of a removed series was used: put it back, or fold its update into the live one. */
  revive(s: SeriesBase): void {
    const isOverflow = s.owner === this.overflowSet;
    const values = isOverflow ? OVERFLOW_VALUES : (this.detachedValues.get(s) ?? NO_VALUES);
    let live: SeriesBase | undefined;
    if (isOverflow) live = this.overflow ?? undefined;
    else if (values.length === 0) live = this.unlabeled ?? undefined;
    else live = trieGet((s.owner as LabelSet).root, values);
    if (live !== undefined) {
      s.foldInto(live);
      return;
    }
    if (!isOverflow && this.size >= this.limit) {
      s.foldInto(this.redirect());
      return;
    }
    if (isOverflow) this.overflow = s as S;
    else if (values.length === 0) {
      this.unlabeled = s as S;
      this.size++;
    } else {
      trieSet((s.owner as LabelSet).root, values, s);
      this.detachedValues.delete(s);
      this.size++;
    }
    s.mark = TOUCHED;
    s.created = this.host.clock();
  }

  /** Removes series not updated for `idleMs` up to `now`; returns how many. */
  sweepIdle(now: number, idleMs: number): number {
    const idle: Array<[SeriesBase, string[]]> = [];
    this.forEachSeries((s, values) => {
      if (s.mark === TOUCHED) s.mark = untouchedSince(now);
      else if (s.mark < 0 && now - sweptAt(s.mark) >= idleMs) idle.push([s, [...values]]);
    });
    for (const [s, values] of idle) this.detach(s, values);
    return idle.length;
  }

  cursor(): FamilyCursor<S> {
    const parts: Array<S | SeriesCursor> = [];
    if (this.unlabeled !== null) parts.push(this.unlabeled);
    for (const set of this.sets) {
      const n = set.labelNames.length;
      if (set.canonical === set && n > 0) parts.push(new SeriesCursor(set.root, n));
    }
    if (this.overflow !== null) parts.push(this.overflow);
    let i = 0;
    return {
      next: (budget, cb) => {
        let left = budget;
        while (i < parts.length && left > 0) {
          const p = parts[i] as S | SeriesCursor;
          if (p instanceof SeriesCursor) {
            let visited = 0;
            const more = p.next(left, (s, v) => {
              visited++;
              cb(s as S, v);
            });
            left -= visited;
            if (!more) i++;
          } else {
            if (p.mark !== DETACHED) {
              cb(p, p === this.overflow ? OVERFLOW_VALUES : NO_VALUES);
              left--;
            }
            i++;
          }
        }
        return i < parts.length;
      },
    };
  }

  forEachSeries(cb: (series: S, labelValues: readonly string[]) => void): void {
    if (this.unlabeled !== null) cb(this.unlabeled, NO_VALUES);
    for (const set of this.sets) {
      const n = set.labelNames.length;
      if (set.canonical === set && n > 0) trieWalk(set.root, new Array<string>(n), 0, cb as Visit);
    }
    if (this.overflow !== null) cb(this.overflow, OVERFLOW_VALUES);
  }
}
