/**
 * `meterkit/json`: an expvar-style JSON document of a registry, served at `/debug/vars`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getHeapStatistics } from 'node:v8';
import type { FamilyView } from '../core/family.js';
import type { HistogramSeries, SeriesBase } from '../core/series.js';
import type { Handler } from '../http/server.js';

/** What the JSON view reads: a Registry is one. */
export interface JsonSource {
  families(): Iterable<FamilyView>;
  collect?(): Promise<void>;
}

/** A JSON number, or `"NaN"`, `"+Inf"`, `"-Inf"` (JSON has no spelling for those). */
export type JsonNumber = number | 'NaN' | '+Inf' | '-Inf';

/** One series in the JSON view. */
export interface JsonSeries {
  labels: Record<string, string>;
  /** Counters and gauges. */
  value?: JsonNumber;
  /** Histograms: observations, their sum, cumulative buckets, and sketch quantiles if kept. */
  count?: number;
  sum?: JsonNumber;
  buckets?: Array<{ le: JsonNumber; count: number }>;
  quantiles?: Record<string, JsonNumber>;
}

/** One family in the JSON view. */
export interface JsonFamily {
  type: 'counter' | 'gauge' | 'histogram';
  unit?: string;
  help?: string;
  series: JsonSeries[];
}

/** The whole document. */
export interface JsonDocument {
  cmdline: string[];
  memstats: Record<string, number>;
  metrics: Record<string, JsonFamily>;
}

/** Quantiles listed for histograms that keep a sketch. */
export const JSON_QUANTILES: readonly number[] = Object.freeze([0.5, 0.9, 0.99, 0.999]);

function num(v: number): JsonNumber {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return v;
}

function seriesJson(f: FamilyView, s: SeriesBase, values: readonly string[]): JsonSeries {
  const labels: Record<string, string> = {};
  s.owner.labelNames.forEach((n, i) => {
    labels[n] = values[i] as string;
  });
  if (f.kind !== 'histogram') return { labels, value: num((s as unknown as { value: number }).value) };
  const h = s as HistogramSeries;
  const out: JsonSeries = { labels, count: h.count, sum: num(h.sum) };
  if (h.layout.bounds.length > 0) {
    let cum = 0;
    out.buckets = Array.from(h.bucketCounts, (c, i) => {
      cum += c;
      return { le: num(i < h.layout.bounds.length ? (h.layout.bounds[i] as number) : Infinity), count: cum };
    });
  }
  if (h.sketch !== null) {
    const sk = h.sketch;
    out.quantiles = Object.fromEntries(JSON_QUANTILES.map((q) => [String(q), num(sk.quantile(q))]));
  }
  return out;
}

/** The families of `source` as plain JSON-ready objects, sorted by name. */
export function metricsJson(source: JsonSource): Record<string, JsonFamily> {
  const fams = [...source.families()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: Record<string, JsonFamily> = {};
  for (const f of fams) {
    const fam: JsonFamily = { type: f.kind, series: [] };
    if (f.unit !== undefined) fam.unit = f.unit;
    if (f.description !== undefined) fam.help = f.description;
    f.forEachSeries((s, values) => fam.series.push(seriesJson(f, s, values)));
    out[f.name] = fam;
  }
  return out;
}

/** Memory facts of this process: `process.memoryUsage()` and V8 heap statistics. */
export function memstats(): Record<string, number> {
  const m = process.memoryUsage();
  const h = getHeapStatistics();
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    heapSizeLimit: h.heap_size_limit,
    totalAvailableSize: h.total_available_size,
    mallocedMemory: h.malloced_memory,
    numberOfNativeContexts: h.number_of_native_contexts,
    numberOfDetachedContexts: h.number_of_detached_contexts,
  };
}

/** The expvar-style document: `cmdline`, `memstats` and `metrics`. */
export function toJson(source: JsonSource): JsonDocument {
  return { cmdline: [...process.argv], memstats: memstats(), metrics: metricsJson(source) };
}

/** A handler for `/debug/vars`: runs collectors, answers the document (GET/HEAD; else 405). */
export function createJsonHandler(source: JsonSource): Handler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end(`method ${req.method ?? ''} not allowed: use GET or HEAD\n`);
      return;
    }
    const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers).end();
      return;
    }
    await source.collect?.();
    res.writeHead(200, headers).end(`${JSON.stringify(toJson(source), null, 1)}\n`);
  };
}
