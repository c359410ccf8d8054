import type { FamilyView } from '../core/family.js';
import type { StoredExemplar } from '../core/exemplar.js';
import { counterBase } from '../core/exposed-names.js';
import type { SeriesView } from '../core/series.js';
import type { ExpositionFormat } from './format.js';
import { escapeHelp, escapeLabelValue, formatBound, formatValue } from './format.js';

/** What the renderer reads: a {@link Registry} is one. */
export interface MetricSource {
  families(): Iterable<FamilyView>;
  /** Epoch ms when a series was created (for `_created` samples). */
  createdAt(series: SeriesView): number;
}

/** Options of {@link render}. */
export interface RenderOptions {
  /** `prometheus` (text 0.0.4, the default) or `openmetrics` (1.0). */
  format?: ExpositionFormat;
  /**
   * Emit `_created` samples for counters and histograms (OpenMetrics only; text 0.0.4 has
   * none). Default false, as in client_golang: a scraper that ingests them stores one more
   * series per counter and histogram.
   */
  created?: boolean;
}

/** Quantiles a summary shows, from the series' sketch. */
export const SUMMARY_QUANTILES: readonly number[] = Object.freeze([0.5, 0.9, 0.99, 0.999]);

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
 */

type Line = (s: SeriesView, labels: string) => void;

/*
 * Output is built as many small flat strings rather than one long rope: a rope of 100k lines
 * stays alive until the end, and every young-generation GC copies it again (measured: 3× slower).
 * Every FLATTEN_EVERY series the current piece is flattened and set aside.
 */
const FLATTEN_EVERY = 128;

/** Writes one family: header lines, then series in any number of slices. */
class FamilyWriter {
  buf = '';
  private pending = 0;
  private readonly om: boolean;
  private readonly withCreated: boolean;
  private readonly sample: string;
  private readonly line: Line;
  private readonly boundCache = new Map<Float64Array, string[]>();
  private names: readonly string[] = [];
  private prefixes: string[] = [];

  constructor(
    private readonly f: FamilyView,
    private readonly format: ExpositionFormat,
    private readonly source: MetricSource,
    created: boolean | undefined,
  ) {
    this.om = format === 'openmetrics';
    this.withCreated = this.om && created === true;
    const base = f.kind === 'counter' ? counterBase(f.name) : f.name;
    this.sample = f.kind === 'counter' ? `${base}_total` : f.name;
    this.line = f.kind === 'histogram' ? this.histogramLine : this.valueLine;
  }

  header(summary: boolean): void {
    const f = this.f;
    const base = f.kind === 'counter' ? this.sample.slice(0, -6) : f.name;
    const name = this.om ? base : this.sample;
    const type = f.kind === 'histogram' ? (summary ? 'summary' : 'histogram') : f.kind;
    this.buf += `# TYPE ${name} ${type}\n`;
    if (this.om && f.unit !== undefined && base.endsWith(`_${f.unit}`)) this.buf += `# UNIT ${name} ${f.unit}\n`;
    if (f.description !== undefined) this.buf += `# HELP ${name} ${escapeHelp(f.description, this.format)}\n`;
  }

  parts: string[] = [];

  /** Moves everything written so far to `out`, as flat strings. */
  drain(out: string[]): void {
    for (const p of this.parts) out.push(p);
    this.parts.length = 0;
    if (this.buf !== '') {
      out.push(this.buf);
      this.buf = '';
    }
    this.pending = 0;
  }

  series = (s: SeriesView, values: readonly string[]): void => {
    const names = s.owner.labelNames;
    if (names !== this.names) this.setNames(names);
    let labels = '';
    for (let i = 0; i < values.length; i++) labels += this.prefixes[i] + escapeLabelValue(values[i] as string) + '"';
    this.line(s, labels);
    if (++this.pending === FLATTEN_EVERY) {
      this.buf.charCodeAt(0); // flattens the rope in place
      this.parts.push(this.buf);
      this.buf = '';
      this.pending = 0;
    }
  };

  private setNames(names: readonly string[]): void {
    this.names = names;
    this.prefixes = names.map((n, i) => `${i === 0 ? '' : ','}${n}="`);
  }

  private created(s: SeriesView, labels: string): void {
    if (!this.withCreated) return;
    const braces = labels === '' ? '' : `{${labels}}`;
    const base = this.f.kind === 'counter' ? this.sample.slice(0, -6) : this.f.name;
    this.buf += `${base}_created${braces} ${formatValue(this.source.createdAt(s) / 1000)}\n`;
  }

  private valueLine: Line = (s, labels) => {
    if (s.kind === 'histogram') return;
    const v = s.value;
    let tail = '\n';
    if (s.kind === 'counter') {
      const ex = this.om ? s.exemplar : null;
      if (ex !== null) tail = exemplarText(ex);
    } else {
      // an explicit sample time: ms in text 0.0.4, seconds in OpenMetrics
      const ts = s.timestamp;
      if (ts !== 0) tail = ` ${this.om ? formatValue(ts / 1000) : String(ts)}\n`;
    }
    this.buf += labels === '' ? `${this.sample} ${formatValue(v)}${tail}` : `${this.sample}{${labels}} ${formatValue(v)}${tail}`;
    if (this.f.kind === 'counter') this.created(s, labels);
  };

  private bounds(b: Float64Array): string[] {
    let out = this.boundCache.get(b);
    if (out === undefined) {
      out = Array.from(b, (v) => formatBound(v, this.format));
      out.push('+Inf');
      this.boundCache.set(b, out);
    }
    return out;
  }

  private histogramLine: Line = (s, labels) => {
    if (s.kind !== 'histogram') return;
    const h = s;
    const name = this.f.name;
    const sep = labels === '' ? '' : ',';
    const braces = labels === '' ? '' : `{${labels}}`;
    if (h.layout.bounds.length === 0 && h.sketch !== null) {
      for (const q of SUMMARY_QUANTILES) {
        this.buf += `${name}{${labels}${sep}quantile="${formatBound(q, this.format)}"} ${formatValue(h.sketch.quantile(q))}\n`;
      }
    } else {
      const les = this.bounds(h.layout.bounds);
      const counts = h.bucketCounts;
      const exs = this.om ? h.exemplars : null;
      let cum = 0;
      for (let i = 0; i < counts.length; i++) {
        cum += counts[i] as number;
        const ex = exs === null ? null : (exs[i] ?? null);
        this.buf += `${name}_bucket{${labels}${sep}le="${les[i]}"} ${cum}${ex === null ? '\n' : exemplarText(ex)}`;
      }
    }
    this.buf += `${name}_sum${braces} ${formatValue(h.sum)}\n${name}_count${braces} ${h.count}\n`;
    this.created(s, labels);
  };
}

/** ` # {labels} value timestamp` and the line's end: an OpenMetrics exemplar (seconds since the epoch). */
function exemplarText(e: StoredExemplar): string {
  let labels = '';
  const l = e.labels;
  for (let i = 0; i < l.length; i += 2) labels += `${i === 0 ? '' : ','}${l[i] as string}="${escapeLabelValue(l[i + 1] as string)}"`;
  return ` # {${labels}} ${formatValue(e.value)} ${formatValue(e.timestamp / 1000)}\n`;
}

/** True when a histogram family is exposed as a summary (sketch, no buckets). */
function isSummary(f: FamilyView): boolean {
  return f.layout !== undefined && f.layout.bounds.length === 0 && f.layout.sketchAccuracy !== null;
}

function sorted(source: MetricSource): FamilyView[] {
  return [...source.families()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Renders every family of `source` in Prometheus text format 0.0.4 or OpenMetrics 1.0
 * (which ends with `# EOF`). Families are sorted by name; series come in first-seen order.
 * Synchronous: for large registries served over HTTP, {@link renderChunks} keeps the event
 * loop responsive.
 */
export function render(source: MetricSource, options: RenderOptions = {}): string {
  const format = options.format ?? 'prometheus';
  const out: string[] = [];
  for (const f of sorted(source)) {
    const w = new FamilyWriter(f, format, source, options.created);
    w.header(isSummary(f));
    f.forEachSeries(w.series);
    w.drain(out);
  }
  if (format === 'openmetrics') out.push('# EOF\n');
  return out.join('');
}

/** Options of {@link renderChunks}. */
export interface ChunkOptions extends RenderOptions {
  /** Series rendered between two yields to the event loop. Default 2000. */
  sliceSize?: number;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The same output as {@link render}, produced in chunks with a turn of the event loop between
 * slices of `sliceSize` series, so a scrape of a large registry never stalls the process.
 * Series created while it runs may or may not be included; none is shown twice.
 */
export async function* renderChunks(source: MetricSource, options: ChunkOptions = {}): AsyncGenerator<string> {
  const format = options.format ?? 'prometheus';
  const slice = Math.max(1, options.sliceSize ?? 2000);
  let budget = slice;
  const pending: string[] = [];
  for (const f of sorted(source)) {
    const w = new FamilyWriter(f, format, source, options.created);
    w.header(isSummary(f));
    const cursor = f.cursor();
    for (;;) {
      let visited = 0;
      const more = cursor.next(budget, (s, v) => {
        visited++;
        w.series(s, v);
      });
      budget -= visited;
      w.drain(pending);
      if (budget <= 0) {
        yield pending.join('');
        pending.length = 0;
        budget = slice;
        await yieldToLoop();
      }
      if (!more) break;
    }
  }
  if (format === 'openmetrics') pending.push('# EOF\n');
  if (pending.length > 0) yield pending.join('');
}
