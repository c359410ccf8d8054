import type { DefaultLabelSet } from '../core/default-labels.js';
import { checkDefaultLabels } from '../core/default-labels.js';
import type { FamilyView } from '../core/family.js';
import type { Labels } from '../core/labels.js';
import type { SeriesView } from '../core/series.js';
import { FamilyWriter } from './family-writer.js';
import type { ExpositionFormat } from './format.js';
import { TextWriter, decode } from './text-writer.js';

export { SUMMARY_QUANTILES } from './family-writer.js';

/** What the renderer reads: a {@link Registry} is one. */
export interface MetricSource {
  families(): Iterable<FamilyView>;
  /** Epoch ms when a series was created (for `_created` samples). */
  createdAt(series: SeriesView): number;
  /**
   * Labels added to every series that lacks a label of that name, after its own (a
   * Registry's `setDefaultLabels`); read once per render.
   */
  defaultLabels?(): Labels;
}

/** The source's default labels, checked, once per render. */
function defaultsOf(source: MetricSource): DefaultLabelSet | null {
  return source.defaultLabels === undefined ? null : checkDefaultLabels(source.defaultLabels());
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
  const w = writerFor(source);
  const defaults = defaultsOf(source);
  for (const f of sorted(source)) {
    const fw = new FamilyWriter(f, format, source, options.created, w, defaults);
    fw.header();
    f.forEachSeries(fw.series);
  }
  if (format === 'openmetrics') w.ascii7('# EOF\n');
  lastSize.set(source, w.length);
  const out: Buffer[] = [];
  w.take(out);
  return out.length === 0 ? '' : decode(out, w.ascii);
}

/**
 * The size of each source's last output: the next render writes into one buffer of about that
 * size, so nothing is copied to join pieces and the HTTP path writes a few large chunks, not a
 * hundred small ones (one number per source, dropped with it).
 */
const lastSize = new WeakMap<MetricSource, number>();

function writerFor(source: MetricSource): TextWriter {
  const last = lastSize.get(source);
  return new TextWriter(last === undefined ? undefined : last + (last >> 3));
}

/** Options of {@link renderChunks}. */
export interface ChunkOptions extends RenderOptions {
  /**
   * Series rendered between two yields to the event loop. Default 10 000: a slice then takes a
   * few ms, and the per-slice costs (a turn of the loop, a socket write) stay small beside
   * the render; 2000 made an HTTP scrape of 100k series about 20% slower (bench/RESULTS.md).
   */
  sliceSize?: number;
}

/** Series per slice when the caller does not say (see {@link ChunkOptions.sliceSize}). */
const DEFAULT_SLICE = 10_000;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The same output as {@link render}, as UTF-8 Buffers, with a turn of the event loop between
 * slices of `sliceSize` series, so a scrape of a large registry never stalls the process. A
 * slice may give several Buffers (views of the writer's slabs: nothing is copied); none splits
 * a character. Series created while it runs may or may not be included; none is shown twice.
 */
export async function* renderBuffers(source: MetricSource, options: ChunkOptions = {}): AsyncGenerator<Buffer> {
  const format = options.format ?? 'prometheus';
  const slice = Math.max(1, options.sliceSize ?? DEFAULT_SLICE);
  const w = writerFor(source);
  const pending: Buffer[] = [];
  let budget = slice;
  const defaults = defaultsOf(source);
  for (const f of sorted(source)) {
    const fw = new FamilyWriter(f, format, source, options.created, w, defaults);
    fw.header();
    const cursor = f.cursor();
    let more = true;
    while (more) {
      let visited = 0;
      more = cursor.next(budget, (s, v) => {
        visited++;
        fw.series(s, v);
      });
      budget -= visited;
      if (budget > 0) continue;
      w.take(pending);
      for (const b of pending) yield b;
      pending.length = 0;
      budget = slice;
      await yieldToLoop();
    }
  }
  if (format === 'openmetrics') w.ascii7('# EOF\n');
  lastSize.set(source, w.length);
  w.take(pending);
  for (const b of pending) yield b;
}

/**
 * The same output as {@link render}, as strings, with a turn of the event loop between slices
 * of `sliceSize` series (see {@link renderBuffers}, which the HTTP handler uses).
 */
export async function* renderChunks(source: MetricSource, options: ChunkOptions = {}): AsyncGenerator<string> {
  for await (const b of renderBuffers(source, options)) yield b.toString('utf8');
}
