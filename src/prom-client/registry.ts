import { ErrorCode, MeterkitError } from '../core/errors.js';
import { brand } from '../core/brand.js';
import type { DefaultLabelSet } from '../core/default-labels.js';
import { checkDefaultLabels } from '../core/default-labels.js';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from '../prometheus/index.js';
import { Out, renderContext, renderPlain } from './format.js';
import type { RenderContext } from './format.js';
import { installGlobalRegistry } from './global.js';
import type { Metric, MetricObjectWithValues } from './metric.js';

/**
 * A metric prom-client would accept that is not one of the shim's: any object with a `name`
 * and a `get()` (a custom collector, an aggregated metric). Written from its `get()` output.
 */
export interface PlainMetric {
  readonly name: string;
  get(): MetricObjectWithValues | Promise<MetricObjectWithValues>;
  reset?(): void;
}

/** A registry entry: a shim metric (fast path) or a plain one. */
export type AnyMetric = Metric | PlainMetric;

function isShim(m: AnyMetric): m is Metric {
  return typeof (m as Partial<Metric>).render === 'function';
}

/** Runs what must run before a render (collect, or get) and returns how to write the metric. */
async function prepare(m: AnyMetric): Promise<(ctx: RenderContext, out: Out) => void> {
  if (isShim(m)) {
    await m.runCollect();
    return (ctx, out) => m.render(ctx, out);
  }
  const item = await m.get();
  return (ctx, out) => renderPlain(ctx, out, item);
}

/** prom-client's content types (prom-client writes the same strings). */
const CONTENT_TYPES: readonly string[] = [PROMETHEUS_CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE];

function checkContentType(t: string): string {
  if (!CONTENT_TYPES.includes(t)) throw new MeterkitError(ErrorCode.InvalidArgument, `Content type ${t} is unsupported`);
  return t;
}

/**
 * prom-client's `Registry`: a list of metrics by name (metrics own their series) with default
 * labels and an exposition format. Families come out in registration order, as in prom-client.
 */
export class Registry {
  /** `text/plain; version=0.0.4; charset=utf-8` */
  static readonly PROMETHEUS_CONTENT_TYPE = PROMETHEUS_CONTENT_TYPE;
  /** `application/openmetrics-text; version=1.0.0; charset=utf-8` */
  static readonly OPENMETRICS_CONTENT_TYPE = OPENMETRICS_CONTENT_TYPE;

  private map = new Map<string, AnyMetric>();
  private defaults: Record<string, string> = {};
  private defaultSet: DefaultLabelSet | null = null;
  private type: string;

  constructor(contentType: string = PROMETHEUS_CONTENT_TYPE) {
    this.type = checkContentType(contentType);
  }

  /** The exposition format's content type, for the `Content-Type` header. */
  get contentType(): string {
    return this.type;
  }

  /** Switches between text 0.0.4 and OpenMetrics. */
  setContentType(contentType: string): void {
    this.type = checkContentType(contentType);
  }

  /** The registered metrics, in registration order. */
  getMetricsAsArray(): AnyMetric[] {
    return [...this.map.values()];
  }

  /** The exposition of every metric, after running every `collect` callback. */
  async metrics(): Promise<string> {
    const list = await Promise.all(this.getMetricsAsArray().map(prepare));
    const om = this.type === OPENMETRICS_CONTENT_TYPE;
    const ctx = renderContext(om, this.defaultSet);
    const out = new Out();
    for (let i = 0; i < list.length; i++) {
      if (i > 0 && !om) out.write('\n');
      (list[i] as (ctx: RenderContext, out: Out) => void)(ctx, out);
    }
    // prom-client joins the families then adds '\n# EOF\n': an empty registry starts with a blank line
    if (om) out.write(list.length === 0 ? '\n# EOF\n' : '# EOF\n');
    else if (list.length === 0) out.write('\n');
    return out.toString();
  }

  /** Adds a metric. @throws when another metric already has its name. */
  registerMetric(metric: AnyMetric): void {
    const had = this.map.get(metric.name);
    if (had !== undefined && had !== metric) {
      throw new MeterkitError(ErrorCode.NameConflict, `A metric with the name ${metric.name} has already been registered.`);
    }
    this.map.set(metric.name, metric);
  }

  /** Forgets every metric and the default labels. */
  clear(): void {
    this.map = new Map();
    this.defaults = {};
    this.defaultSet = null;
  }

  /** Every metric's `get()`, with the default labels added to each value that lacks them. */
  async getMetricsAsJSON(): Promise<MetricObjectWithValues[]> {
    const items = await Promise.all(this.getMetricsAsArray().map(async (m) => m.get()));
    const names = Object.keys(this.defaults);
    if (names.length > 0) {
      for (const item of items) {
        for (const v of item.values) {
          for (const n of names) v.labels[n] = v.labels[n] || (this.defaults[n] as string);
        }
      }
    }
    return items;
  }

  /** Forgets one metric. */
  removeSingleMetric(name: string): void {
    this.map.delete(name);
  }

  /** One metric's exposition (runs its `collect`), without the trailing newline. */
  async getSingleMetricAsString(name: string): Promise<string> {
    const m = this.map.get(name);
    if (m === undefined) throw new MeterkitError(ErrorCode.InvalidArgument, `no metric named ${JSON.stringify(name)} in this registry`);
    const write = await prepare(m);
    const out = new Out();
    write(renderContext(this.type === OPENMETRICS_CONTENT_TYPE, this.defaultSet), out);
    return out.toString().slice(0, -1);
  }

  /** One metric by name, or undefined. */
  getSingleMetric(name: string): AnyMetric | undefined {
    return this.map.get(name);
  }

  /**
   * Labels added to every sample that does not carry them itself (replaces the previous set);
   * numbers are written as strings. Checked by core's one rule for default labels.
   * @throws MeterkitError `ERR_METERKIT_INVALID_LABEL_NAME` for a name that is not a valid label
   * name, or `le`/`quantile` (prom-client takes any key and can then write invalid exposition).
   */
  setDefaultLabels(labels: Record<string, string | number>): void {
    const next: Record<string, string> = {};
    for (const k of Object.keys(labels)) next[k] = String(labels[k]);
    this.defaultSet = checkDefaultLabels(next);
    this.defaults = next;
  }

  /** The default labels (a copy). */
  getDefaultLabels(): Record<string, string> {
    return { ...this.defaults };
  }

  /** Resets every metric. */
  resetMetrics(): void {
    for (const m of this.map.values()) m.reset?.();
  }

  /** A new registry listing every metric of `registers` (which must share a content type). */
  static merge(registers: readonly Registry[]): Registry {
    const type = registers[0]?.contentType ?? PROMETHEUS_CONTENT_TYPE;
    for (const r of registers) {
      if (r.contentType !== type) throw new MeterkitError(ErrorCode.InvalidArgument, 'Registers can only be merged if they have the same content type');
    }
    const merged = new Registry(type);
    for (const r of registers) for (const m of r.getMetricsAsArray()) merged.registerMetric(m);
    return merged;
  }
}
// instanceof holds across the ES module and CommonJS copies (the global register is shared)
brand(Registry, 'prom-client.registry');

/** The process-wide registry metrics join by default (shared by the ESM and CommonJS copies). */
export const register: Registry = installGlobalRegistry(() => new Registry());
