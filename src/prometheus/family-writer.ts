/**
 * Writes one metric family as exposition text into a {@link TextWriter}: the header lines, then
 * its series, in as many slices as the caller likes. render.ts drives it.
 */
import type { DefaultLabelSet } from '../core/default-labels.js';
import { missingDefaults } from '../core/default-labels.js';
import type { FamilyView } from '../core/family.js';
import type { StoredExemplar } from '../core/exemplar.js';
import { counterBase } from '../core/exposed-names.js';
import type { HistogramView, SeriesView } from '../core/series.js';
import { REPORTED_QUANTILES } from '../core/sketch.js';
import type { ExpositionFormat } from './format.js';
import { escapeHelp, escapeLabelValue, formatBound, formatValue } from './format.js';
import type { MetricSource } from './render.js';
import type { Encoded, TextWriter } from './text-writer.js';
import { encode } from './text-writer.js';

/** Quantiles a summary shows by default (a family's `layout.reportedQuantiles` says which it shows). */
export const SUMMARY_QUANTILES: readonly number[] = REPORTED_QUANTILES;

/*
 * Naming rules (the same in both formats, so a series has one name whichever format a scraper
 * negotiates):
 * - names are kept as registered; nothing is appended for the unit;
 * - a counter's samples are `<base>_total`, where base is the name without a trailing
 *   `_total` (`http_requests_total` and `http_requests` both expose `http_requests_total`);
 *   text 0.0.4 puts TYPE/HELP on `<base>_total`, OpenMetrics on `<base>`;
 * - OpenMetrics gets `# UNIT` only when the family name ends with `_<unit>`, as its spec
 *   requires (`request_duration_seconds` + seconds: yes; `latency` + seconds: no UNIT line).
 * - a histogram with a quantile sketch and no buckets is exposed as a summary.
 *
 * Speed (see text-writer.ts for the bytes): a series' label block `{a="x",b="y"` is built from
 * the block of its parent level, which series visited in trie order share: with 100k series
 * under 1k first-level values, the first level is escaped and encoded 1k times, not 100k. Only
 * the last label is written per series, escaped in the same pass that copies it. Nothing is
 * kept between renders, so a series costs no memory for rendering.
 */

const CLOSE_BLOCK = encode('} ');

/** Label names of one label set, with the cached blocks of the levels above the last. */
class Levels {
  /** The values the cached blocks were built for (a sentinel no label value can be at first). */
  readonly values: Array<string | null>;
  /** `blocks[d]`: the escaped labels of levels 0..d, without the closing brace. */
  readonly blocks: string[];
  /** What a line starts with up to the last label's value: `name{a="x",b="` (for the cached blocks). */
  start: Encoded;

  constructor(
    readonly names: readonly string[],
    private readonly sample: string,
  ) {
    this.values = names.map(() => null);
    this.blocks = names.map(() => '');
    this.start = encode(`${sample}{${names[names.length - 1] as string}="`);
  }

  /**
   * Brings the cached blocks of levels 0..n-2 (and `start`) up to date with `values`; returns
   * n-2, the level whose block is the parent of the last label (-1 when there is one label).
   */
  parent(values: readonly string[]): number {
    const last = values.length - 1;
    let d = 0;
    while (d < last && values[d] === this.values[d]) d++;
    for (; d < last; d++) {
      const v = values[d] as string;
      const block = `${d === 0 ? '{' : `${this.blocks[d - 1] as string},`}${this.names[d] as string}="${escapeLabelValue(v)}"`;
      this.values[d] = v;
      this.blocks[d] = block;
      if (d === last - 1) this.start = encode(`${this.sample}${block},${this.names[last] as string}="`);
    }
    return last - 1;
  }

  /** The whole block `{a="x",b="y"`, for series that write their labels several times. */
  block(values: readonly string[]): Encoded {
    return encode(this.blockText(values));
  }

  /** The same block as text. */
  blockText(values: readonly string[]): string {
    const up = this.parent(values);
    const last = values.length - 1;
    const head = up < 0 ? '{' : `${this.blocks[up] as string},`;
    return `${head}${this.names[last] as string}="${escapeLabelValue(values[last] as string)}"`;
  }
}

/** Per bucket layout: ` {le="…"} ` and `,le="…"} ` pieces, by bucket (the last is +Inf). */
interface Bounds {
  readonly alone: Encoded[];
  readonly after: Encoded[];
}

/** Writes one family: header lines, then series in any number of slices. */
export class FamilyWriter {
  private readonly om: boolean;
  private readonly withCreated: boolean;
  /** The sample name (`<base>_total` for a counter) and the base name. */
  private readonly sample: string;
  private readonly base: string;
  private readonly sampleBytes: Encoded;
  private readonly boundCache = new Map<Float64Array, Bounds>();
  /** A layout's reported quantiles → their `quantile="…"` label texts. */
  private readonly quantileCache = new Map<readonly number[], string[]>();
  private readonly names = new Map<string, Encoded>();
  private levels: Levels | null = null;
  /** A label set's names → the `,name="value"` text of the default labels it lacks. */
  private readonly extras = new Map<readonly string[], string>();

  constructor(
    private readonly f: FamilyView,
    private readonly format: ExpositionFormat,
    private readonly source: MetricSource,
    created: boolean | undefined,
    private readonly w: TextWriter,
    /** The source's default labels (see core/default-labels.ts), null when none. */
    private readonly defaults: DefaultLabelSet | null = null,
  ) {
    this.om = format === 'openmetrics';
    this.withCreated = this.om && created === true;
    this.base = f.kind === 'counter' ? counterBase(f.name) : f.name;
    this.sample = f.kind === 'counter' ? `${this.base}_total` : f.name;
    this.sampleBytes = encode(this.sample);
  }

  header(): void {
    const f = this.f;
    // a histogram with a sketch and no buckets is exposed as a summary
    const summary = f.layout !== undefined && f.layout.bounds.length === 0 && f.layout.sketchAccuracy !== null;
    // OpenMetrics: an info family is named without `_info`, its samples keep it
    const info = this.om && f.info;
    const name = info ? this.base.slice(0, -5) : this.om ? this.base : this.sample;
    const type = info ? 'info' : f.kind === 'histogram' ? (summary ? 'summary' : 'histogram') : f.kind;
    let text = `# TYPE ${name} ${type}\n`;
    if (this.om && !info && f.unit !== undefined && this.base.endsWith(`_${f.unit}`)) text += `# UNIT ${name} ${f.unit}\n`;
    if (f.description !== undefined) text += `# HELP ${name} ${escapeHelp(f.description, this.format)}\n`;
    this.w.text(text);
  }

  /** Writes one series (the visitor of the family's iteration). */
  series = (s: SeriesView, values: readonly string[]): void => {
    let levels = this.levels;
    const names = s.owner.labelNames;
    if (levels === null || levels.names !== names) levels = this.levels = new Levels(names, this.sample);
    const extra = this.defaults === null ? '' : this.extraFor(names);
    if (extra !== '') {
      // default labels follow the series' own: the whole block is built per series
      const block = encode(values.length === 0 ? `{${extra.slice(1)}` : levels.blockText(values) + extra);
      if (s.kind === 'histogram') this.histogram(s, block);
      else if (this.withCreated && this.f.kind === 'counter') this.created(s, this.valueLine(s, block));
      else this.valueLine(s, block);
      return;
    }
    if (s.kind === 'histogram') this.histogram(s, values.length === 0 ? null : levels.block(values));
    else if (this.withCreated && this.f.kind === 'counter') this.created(s, this.valueLine(s, values.length === 0 ? null : levels.block(values)));
    else this.fastLine(s, values, levels);
  };

  /** The `,name="value"` text of the default labels a series with label names `names` lacks. */
  private extraFor(names: readonly string[]): string {
    let e = this.extras.get(names);
    if (e === undefined) {
      e = '';
      for (const [n, v] of missingDefaults(this.defaults as DefaultLabelSet, names)) e += `,${n}="${escapeLabelValue(v)}"`;
      this.extras.set(names, e);
    }
    return e;
  }

  /** A counter or gauge line, the last label written straight from its value. */
  private fastLine(s: SeriesView, values: readonly string[], levels: Levels): void {
    const w = this.w;
    const n = values.length;
    if (n === 0) {
      w.bytes(this.sampleBytes);
      w.byte(0x20);
    }
    else {
      levels.parent(values);
      w.labels(levels.start, values[n - 1] as string);
    }
    this.tail(s);
  }

  /** A counter or gauge line with its labels given as a whole block; returns the block. */
  private valueLine(s: SeriesView, block: Encoded | null): Encoded | null {
    const w = this.w;
    w.bytes(this.sampleBytes);
    if (block === null) w.byte(0x20);
    else {
      w.bytes(block);
      w.bytes(CLOSE_BLOCK);
    }
    this.tail(s);
    return block;
  }

  /** The value and what follows it on a counter or gauge line. */
  private tail(s: SeriesView): void {
    if (s.kind === 'histogram') return; // histograms are written by histogram()
    const w = this.w;
    w.value(s.value);
    if (s.kind === 'counter') {
      const ex = this.om ? s.exemplar : null;
      if (ex !== null) w.text(exemplarText(ex));
      else w.byte(0x0a);
      return;
    }
    // an explicit sample time: ms in text 0.0.4, seconds in OpenMetrics
    const ts = s.timestamp;
    if (ts !== 0) {
      w.byte(0x20);
      if (this.om) w.ascii7(formatValue(ts / 1000));
      else w.value(ts);
    }
    w.byte(0x0a);
  }

  /** `<base>_created{labels} seconds`, when asked for. */
  private created(s: SeriesView, block: Encoded | null): void {
    if (!this.withCreated) return;
    const w = this.w;
    w.ascii7(`${this.base}_created`);
    if (block === null) w.byte(0x20);
    else {
      w.bytes(block);
      w.bytes(CLOSE_BLOCK);
    }
    w.ascii7(formatValue(this.source.createdAt(s) / 1000));
    w.byte(0x0a);
  }

  private bounds(b: Float64Array): Bounds {
    let out = this.boundCache.get(b);
    if (out === undefined) {
      const les = Array.from(b, (v) => formatBound(v, this.format));
      les.push('+Inf');
      out = { alone: les.map((le) => encode(`{le="${le}"} `)), after: les.map((le) => encode(`,le="${le}"} `)) };
      this.boundCache.set(b, out);
    }
    return out;
  }

  private histogram(h: HistogramView, block: Encoded | null): void {
    const w = this.w;
    const name = this.f.name;
    const summary = h.layout.bounds.length === 0 && h.sketch !== null;
    if (summary) {
      const qs = h.layout.reportedQuantiles;
      let labels = this.quantileCache.get(qs);
      if (labels === undefined) {
        labels = qs.map((q) => `quantile="${formatBound(q, this.format)}"} `);
        this.quantileCache.set(qs, labels);
      }
      for (let i = 0; i < qs.length; i++) {
        w.ascii7(name);
        if (block !== null) w.bytes(block);
        w.ascii7(block === null ? '{' : ',');
        w.ascii7(labels[i] as string);
        w.ascii7(formatValue(h.sketch.quantile(qs[i] as number)));
        w.byte(0x0a);
      }
    } else {
      const b = this.bounds(h.layout.bounds);
      const les = block === null ? b.alone : b.after;
      const bucket = this.suffixed('_bucket');
      const counts = h.bucketCounts;
      const exs = this.om ? h.exemplars : null;
      let cum = 0;
      for (let i = 0; i < counts.length; i++) {
        cum += counts[i] as number;
        w.bytes(bucket);
        if (block !== null) w.bytes(block);
        w.bytes(les[i] as Encoded);
        w.value(cum);
        const ex = exs === null ? null : (exs[i] ?? null);
        if (ex === null) w.byte(0x0a);
        else w.text(exemplarText(ex));
      }
    }
    // a summary (quantiles, no buckets) keeps them: the rule is the histogram's
    if (!this.om || summary || !sumNotACounter(h)) {
      this.aggregate(this.suffixed('_sum'), block, h.sum);
      this.aggregate(this.suffixed('_count'), block, h.count);
    }
    this.created(h, block);
  }

  /** `<family name><suffix>`, encoded once per family. */
  private suffixed(suffix: string): Encoded {
    let e = this.names.get(suffix);
    if (e === undefined) {
      e = encode(this.f.name + suffix);
      this.names.set(suffix, e);
    }
    return e;
  }

  private aggregate(name: Encoded, block: Encoded | null, v: number): void {
    const w = this.w;
    w.bytes(name);
    if (block === null) w.byte(0x20);
    else {
      w.bytes(block);
      w.bytes(CLOSE_BLOCK);
    }
    w.value(v);
    w.byte(0x0a);
  }
}

/**
 * Whether a histogram's sum is no counter: it has a negative bucket bound, or has seen a
 * negative observation (or, for a view that does not know, its sum is below 0). OpenMetrics
 * then forbids `_sum` ("Negative threshold buckets MAY be used, but then the Histogram
 * MetricPoint MUST NOT contain a sum value"; Sum "MUST NOT be NaN or negative"), and `_count`
 * goes with it (parsers take them as a pair; the `+Inf` bucket still counts every
 * observation). The Prometheus text format keeps both, as client_golang does.
 */
function sumNotACounter(h: HistogramView): boolean {
  return (h.layout.bounds[0] as number) < 0 || h.sawNegative === true || h.sum < 0;
}

/** ` # {labels} value timestamp` and the line's end: an OpenMetrics exemplar (seconds since the epoch). */
function exemplarText(e: StoredExemplar): string {
  let labels = '';
  const l = e.labels;
  for (let i = 0; i < l.length; i += 2) labels += `${i === 0 ? '' : ','}${l[i] as string}="${escapeLabelValue(l[i + 1] as string)}"`;
  return ` # {${labels}} ${formatValue(e.value)} ${formatValue(e.timestamp / 1000)}\n`;
}

