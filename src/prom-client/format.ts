import type { DefaultLabelSet } from '../core/default-labels.js';
import { missingDefaults as coreMissingDefaults } from '../core/default-labels.js';
import type { StoredExemplar } from '../core/exemplar.js';
import { escapeHelp, escapeLabelValue } from '../prometheus/index.js';

/*
 * prom-client's exposition, line for line: the shim's whole promise is "the same /metrics
 * output", so label order, `le`/`quantile` spelling and value formatting follow
 * prom-client 15's lib/registry.js (where it is buggy, README "Migrating from prom-client"
 * lists the difference).
 */

/** What a render needs from its registry: the format and the default labels. */
export interface RenderContext {
  readonly openMetrics: boolean;
  /** The registry's default labels (checked by core's rule), or null. */
  readonly defaults: DefaultLabelSet | null;
  /** Per label-name list: the default labels a series with those names does not carry, formatted. */
  readonly missing: WeakMap<readonly string[], string>;
}

/** A context for one render. */
export function renderContext(openMetrics: boolean, defaults: DefaultLabelSet | null): RenderContext {
  return { openMetrics, defaults, missing: new WeakMap() };
}

/** prom-client's number formatting: JS's own, ±Inf spelled as Prometheus does (NaN as `NaN`). */
export function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return v !== v ? 'NaN' : `${v}`;
}

/** `# HELP` and `# TYPE` lines of a family, each ending with a newline. */
export function header(ctx: RenderContext, name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help, ctx.openMetrics ? 'openmetrics' : 'prometheus')}\n# TYPE ${name} ${type}\n`;
}

/** `a="x",b="y"` for label names and values in parallel (values escaped). */
export function pairs(names: readonly string[], values: readonly string[]): string {
  let s = '';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) s += ',';
    s += `${names[i] as string}="${escapeLabelValue(values[i] as string)}"`;
  }
  return s;
}

/** The default labels (formatted, comma-joined) that a series with label `names` does not carry (core's rule). */
export function missingDefaults(ctx: RenderContext, names: readonly string[]): string {
  if (ctx.defaults === null) return '';
  let s = ctx.missing.get(names);
  if (s === undefined) {
    s = coreMissingDefaults(ctx.defaults, names).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
    ctx.missing.set(names, s);
  }
  return s;
}

/** Joins non-empty label parts into `{…}`, or nothing when all are empty. */
export function braces(a: string, b: string, c = ''): string {
  let s = a;
  if (b !== '') s = s === '' ? b : `${s},${b}`;
  if (c !== '') s = s === '' ? c : `${s},${c}`;
  return s === '' ? '' : `{${s}}`;
}

/** An OpenMetrics exemplar suffix as prom-client writes it (timestamp in seconds). */
export function exemplarSuffix(ctx: RenderContext, e: StoredExemplar | null | undefined): string {
  if (!ctx.openMetrics || e === null || e === undefined) return '';
  const names: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < e.labels.length; i += 2) {
    names.push(e.labels[i] as string);
    values.push(e.labels[i + 1] as string);
  }
  return ` # {${pairs(names, values)}} ${num(e.value)} ${e.timestamp / 1000}`;
}

/** Bytes per slab of {@link Out}. */
const SLAB = 256 * 1024;

/**
 * Where a render writes: UTF-8 slabs, each line copied in as soon as it is made. Concatenating
 * 100k lines into one string instead kept every piece alive to the end, and the GC copying them
 * was 85% of a render's time (a profile of 100k series: 440 ms of 500 ms).
 */
export class Out {
  private readonly done: Buffer[] = [];
  private buf = Buffer.allocUnsafe(SLAB);
  private pos = 0;
  // lines gather here first: one Buffer.write per ~16 KB, not one per line (a write costs ~200 ns)
  private pending = '';

  write(s: string): void {
    this.pending += s;
    if (this.pending.length >= 16_384) this.flush();
  }

  private flush(): void {
    const s = this.pending;
    this.pending = '';
    // a UTF-16 unit is at most 3 UTF-8 bytes
    if (this.pos + s.length * 3 > this.buf.length) {
      this.done.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(Math.max(SLAB, s.length * 3));
      this.pos = 0;
    }
    this.pos += this.buf.write(s, this.pos);
  }

  toString(): string {
    this.flush();
    this.done.push(this.buf.subarray(0, this.pos));
    const all = this.done.length === 1 ? (this.done[0] as Buffer) : Buffer.concat(this.done);
    return all.toString('utf8');
  }
}

/** One value of a metric's `get()` (prom-client's shape). */
interface PlainValue {
  value: number;
  labels?: Readonly<Record<string, string | number>>;
  metricName?: string;
}

/**
 * A metric known only by its `get()` output (a custom object given to `registerMetric`, an
 * aggregated metric), written as prom-client writes any metric: its values in order, each
 * with its labels, then the default labels it lacks.
 */
export function renderPlain(ctx: RenderContext, out: Out, item: { name: string; help: string; type: string; values?: readonly PlainValue[] }): void {
  const counterOm = ctx.openMetrics && item.type === 'counter';
  const name = counterOm ? item.name.replace(/_total$/, '') : item.name;
  out.write(header(ctx, name, item.help, item.type));
  for (const v of item.values ?? []) {
    const sample = counterOm ? `${v.metricName ?? name}_total` : (v.metricName ?? name);
    const labels = v.labels ?? {};
    const names = Object.keys(labels);
    const own = pairs(names, names.map((k) => String(labels[k])));
    out.write(`${sample}${braces(own, missingDefaults(ctx, names))} ${num(v.value)}\n`);
  }
}
