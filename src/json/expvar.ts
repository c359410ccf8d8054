/**
 * The `/debug/vars` document, laid out as Go's expvar lays it out so Go tooling reads it:
 * one top-level key per variable, sorted — `cmdline`, `memstats`, and every metric.
 *
 * Encoding (what README's "JSON view" section documents):
 * - a metric whose only series has no labels is a number (a histogram: an object, below);
 * - any other metric is an object keyed by label values, as an `expvar.Map` is: the values in
 *   the order of the label names, joined with `|` (`{"GET|200": 3}`); the series with no labels,
 *   if any, under `""`; a series whose label names differ from the metric's first labeled series
 *   (the cardinality overflow series, say) under `name=value` pairs joined with `|`. Not `,`:
 *   expvarmon splits its `-vars` list on commas (and paths on `.`, and a kind prefix on `:`), so
 *   a key with a comma could not be named there;
 * - a histogram series is `{"count", "sum", "buckets": {"<le>": cumulative count, …, "+Inf"},
 *   "quantiles": {"0.5": …}}` (buckets when it has bounds, quantiles when it keeps a sketch);
 * - NaN and infinities, which JSON cannot spell, are the strings `"NaN"`, `"+Inf"`, `"-Inf"`;
 * - a metric named `cmdline` or `memstats` is published as `metric-cmdline` / `metric-memstats`
 *   (a `-` cannot occur in a metric name, so the new key clashes with nothing).
 * - a metric with no series is left out.
 *
 * Backpressure: the document is produced in slices of `sliceSize` series with a turn of the
 * event loop between them (as `/metrics` is), and the handler pulls a slice only when the
 * socket has taken the previous one, so a large registry neither stalls the process nor piles
 * up in memory. Series created while a document is produced may or may not be in it; none is
 * shown twice.
 */
import type { DefaultLabelSet } from '../core/default-labels.js';
import { checkDefaultLabels, missingDefaults } from '../core/default-labels.js';
import type { FamilyView } from '../core/family.js';
import type { Labels } from '../core/labels.js';
import { checkWhole } from '../core/options.js';
import type { SeriesView } from '../core/series.js';
import type { GcStats } from './memstats.js';
import { readMemStats } from './memstats.js';
import { redactArgv } from './redact.js';

/** What the JSON view reads: a Registry is one. */
export interface JsonSource {
  families(): Iterable<FamilyView>;
  collect?(): Promise<void>;
  /** Labels every series gets unless it has one of that name (a Registry's `setDefaultLabels`): they extend the keys. */
  defaultLabels?(): Labels;
}

/** A label set's names with the default labels it lacks appended, and those labels' values. */
interface Extended {
  readonly names: readonly string[];
  readonly extraValues: readonly string[];
}

/** Options of {@link renderVars} and {@link renderVarsChunks}. */
export interface VarsOptions {
  /** The `cmdline` published. Default `redactArgv(process.argv)`: secret flag values hidden. */
  cmdline?: readonly string[];
  /** Source of the GC fields of `memstats`. Without it, `memstats` has the heap fields only. */
  gc?: GcStats;
  /** Series written between two turns of the event loop ({@link renderVarsChunks}). Default 2000. */
  sliceSize?: number;
  /** More top-level variables (e.g. `notifications`), read on each render; a metric of the same name is left out. */
  extra?: () => Readonly<Record<string, unknown>>;
}

/** Top-level keys of Go's expvar that metrics cannot take. */
export const RESERVED_VARS: readonly string[] = Object.freeze(['cmdline', 'memstats']);

/** The top-level key of a metric: its name, or `metric-<name>` for a reserved one. */
export function varName(metric: string): string {
  return RESERVED_VARS.includes(metric) ? `metric-${metric}` : metric;
}


const DEFAULT_SLICE = 2000;

/** Joins the label values of a map key. */
export const KEY_SEP = '|';

/**
 * A label value inside a map key: `\` and the separator `|` are escaped (`\\`, `\|`), so two
 * series never share a key (`a="x|y",b="z"` and `a="x",b="y|z"` stay apart).
 */
function keyPart(v: string): string {
  return v.includes('|') || v.includes('\\') ? v.replace(/[\\|]/g, '\\$&') : v;
}

function num(v: number): string {
  if (v !== v) return '"NaN"';
  if (v === Infinity) return '"+Inf"';
  if (v === -Infinity) return '"-Inf"';
  return String(v);
}


/** Writes the document slice by slice: every `next()` of {@link VarsWriter.slices} is one slice. */
class VarsWriter {
  private parts: string[] = [];
  private sep = '{\n';
  private budget: number;
  private readonly slice: number;
  private readonly leKeys = new Map<Float64Array, string[]>();
  private defaults: DefaultLabelSet | null = null;
  private readonly extended = new Map<readonly string[], Extended>();

  constructor(
    private readonly source: JsonSource,
    private readonly options: VarsOptions,
  ) {
    this.slice = options.sliceSize === undefined ? DEFAULT_SLICE : checkWhole('sliceSize', options.sliceSize);
    this.budget = this.slice;
  }

  *slices(): Generator<string, void, undefined> {
    this.defaults = this.source.defaultLabels === undefined ? null : checkDefaultLabels(this.source.defaultLabels());
    const extra = this.options.extra?.() ?? {};
    const entries: Array<[string, FamilyView | null]> = RESERVED_VARS.map((k) => [k, null]);
    for (const k of Object.keys(extra)) if (!RESERVED_VARS.includes(k)) entries.push([k, null]);
    // a key is written once: an extra variable wins over a metric of the same name
    for (const f of this.source.families()) if (!Object.hasOwn(extra, varName(f.name))) entries.push([varName(f.name), f]);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [key, f] of entries) {
      if (f === null) this.put(`${JSON.stringify(key)}: ${RESERVED_VARS.includes(key) ? this.reserved(key) : JSON.stringify(extra[key])}`);
      else yield* this.family(key, f);
    }
    this.parts.push('\n}\n');
    yield this.flush();
  }

  private reserved(key: string): string {
    if (key === 'cmdline') return JSON.stringify(this.options.cmdline ?? redactArgv(process.argv));
    return JSON.stringify(readMemStats(this.options.gc));
  }

  private put(entry: string): void {
    this.parts.push(this.sep, entry);
    this.sep = ',\n';
  }

  private flush(): string {
    const out = this.parts.join('');
    this.parts = [];
    this.budget = this.slice;
    return out;
  }

  private *family(key: string, f: FamilyView): Generator<string, void, undefined> {
    if (this.budget <= 0) yield this.flush();
    const cursor = f.cursor();
    let first = undefined as SeriesView | undefined;
    let firstValues: readonly string[] = [];
    let more = cursor.next(1, (s, v) => {
      first = s;
      firstValues = [...v];
    });
    if (first === undefined) return;
    this.budget--;
    if (this.extend((first as SeriesView).owner.labelNames).names.length === 0 && f.seriesCount === 1) {
      this.put(`${JSON.stringify(key)}: ${this.value(first)}`);
      return;
    }
    // label names the plain "v1,v2" keys stand for: those of the first labeled series
    let names: readonly string[] | null = null;
    const entry = (s: SeriesView, ownValues: readonly string[]): string => {
      const ext = this.extend(s.owner.labelNames);
      const own = ext.names;
      const values = ext.extraValues.length === 0 ? ownValues : [...ownValues, ...ext.extraValues];
      if (names === null && own.length > 0) names = own;
      let k: string;
      if (own === names || (names !== null && sameNames(own, names))) k = values.map(keyPart).join(KEY_SEP);
      else k = own.map((n, i) => `${n}=${keyPart(values[i] as string)}`).join(KEY_SEP);
      return `${JSON.stringify(k)}: ${this.value(s)}`;
    };
    this.put(`${JSON.stringify(key)}: {\n  ${entry(first, firstValues)}`);
    while (more) {
      if (this.budget <= 0) yield this.flush();
      let visited = 0;
      more = cursor.next(this.budget, (s, v) => {
        visited++;
        this.parts.push(',\n  ', entry(s, v));
      });
      this.budget -= visited;
    }
    this.parts.push('\n}');
  }

  /** A label set's names with the default labels it lacks (core/default-labels.ts), cached per set. */
  private extend(own: readonly string[]): Extended {
    let e = this.extended.get(own);
    if (e === undefined) {
      const missing = this.defaults === null ? [] : missingDefaults(this.defaults, own);
      e = missing.length === 0 ? { names: own, extraValues: [] } : { names: [...own, ...missing.map((m) => m[0])], extraValues: missing.map((m) => m[1]) };
      this.extended.set(own, e);
    }
    return e;
  }

  private value(s: SeriesView): string {
    if (s.kind !== 'histogram') return num(s.value);
    const h = s;
    let out = `{"count": ${h.count}, "sum": ${num(h.sum)}`;
    const bounds = h.layout.bounds;
    if (bounds.length > 0) {
      const les = this.les(bounds);
      let cum = 0;
      out += ', "buckets": {';
      for (let i = 0; i < h.bucketCounts.length; i++) {
        cum += h.bucketCounts[i] as number;
        out += `${i === 0 ? '' : ', '}${les[i] as string}: ${cum}`;
      }
      out += '}';
    }
    if (h.sketch !== null) {
      const sk = h.sketch;
      out += `, "quantiles": {${h.layout.reportedQuantiles.map((q) => `${JSON.stringify(String(q))}: ${num(sk.quantile(q))}`).join(', ')}}`;
    }
    return `${out}}`;
  }

  /** The quoted `le` keys of a bucket layout, `"+Inf"` last (computed once per layout). */
  private les(bounds: Float64Array): string[] {
    let out = this.leKeys.get(bounds);
    if (out === undefined) {
      out = Array.from(bounds, (b) => JSON.stringify(String(b)));
      out.push('"+Inf"');
      this.leKeys.set(bounds, out);
    }
    return out;
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** The whole `/debug/vars` document at once (synchronous; see {@link renderVarsChunks} for serving). */
export function renderVars(source: JsonSource, options: VarsOptions = {}): string {
  return [...new VarsWriter(source, options).slices()].join('');
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The same document as {@link renderVars}, in chunks of `sliceSize` series with a turn of the
 * event loop between them: each slice is written only when the consumer asks for it.
 */
export async function* renderVarsChunks(source: JsonSource, options: VarsOptions = {}): AsyncGenerator<string, void, undefined> {
  const slices = new VarsWriter(source, options).slices();
  for (;;) {
    const next = slices.next();
    if (next.done === true) return;
    yield next.value;
    await yieldToLoop();
  }
}
