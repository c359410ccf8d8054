import cluster from 'node:cluster';
import type { FamilyView } from '../core/family.js';
import type { Labels } from '../core/labels.js';
import type { SeriesView } from '../core/series.js';
import { sharedState } from '../core/shared-state.js';
import type { ClusterMetricsServer, WorkerSource } from '../cluster/index.js';
import { ClusterAggregator, serveClusterMetrics } from '../cluster/index.js';
import { render } from '../prometheus/index.js';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { Aggregator, Metric, MetricObjectWithValues, MetricValue } from './metric.js';

/** A key for a value: its sample name and its labels (names sorted), as prom-client groups them. */
function valueKey(v: MetricValue): string {
  const labels = v.labels;
  return `${v.metricName ?? ''}\u0000${Object.keys(labels).sort().map((k) => `${k}:${String(labels[k])}`).join(',')}`;
}

/** Combines the metrics of one name from several workers, value by value, with `fn`. */
function aggregatorOf(fn: (values: readonly number[]) => number): (metrics: readonly MetricObjectWithValues[]) => MetricObjectWithValues {
  return (metrics) => {
    const first = metrics[0] as MetricObjectWithValues;
    const groups = new Map<string, MetricValue[]>();
    for (const m of metrics) for (const v of m.values) groups.set(valueKey(v), [...(groups.get(valueKey(v)) ?? []), v]);
    const values = [...groups.values()].map((vs) => {
      const head = vs[0] as MetricValue;
      const out: MetricValue = { value: fn(vs.map((v) => v.value)), labels: head.labels };
      if (head.metricName) out.metricName = head.metricName;
      return out;
    });
    return { help: first.help, name: first.name, type: first.type, values, aggregator: first.aggregator };
  };
}

/** prom-client's `aggregators`: how `AggregatorRegistry.aggregate` combines a metric's values. */
export const aggregators: Readonly<Record<Aggregator, (metrics: readonly MetricObjectWithValues[]) => MetricObjectWithValues | undefined>> = Object.freeze({
  sum: aggregatorOf((v) => v.reduce((a, b) => a + b, 0)),
  first: aggregatorOf((v) => v[0] as number),
  omit: () => undefined,
  average: aggregatorOf((v) => v.reduce((a, b) => a + b, 0) / v.length),
  min: aggregatorOf((v) => v.reduce((a, b) => Math.min(a, b), Infinity)),
  max: aggregatorOf((v) => v.reduce((a, b) => Math.max(a, b), -Infinity)),
});
import { Registry, register } from './registry.js';

/** What a worker serves: the metrics of some shim registries, as one meterkit snapshot source. */
class RegistriesSource implements WorkerSource {
  private readonly epoch = Date.now();
  /** Set once served: each metric's `aggregator` is (re)told to it before each snapshot. */
  server: ClusterMetricsServer | null = null;
  constructor(readonly registries: readonly Registry[]) {}

  /** The shim's own metrics (a plain `get()` object has no series to snapshot: left out). */
  private metrics(): Metric[] {
    return this.registries.flatMap((r) => r.getMetricsAsArray()).filter((m): m is Metric => typeof (m as Partial<Metric>).coreFamily === 'function');
  }

  *families(): Iterable<FamilyView> {
    for (const m of this.metrics()) {
      const f = m.coreFamily();
      if (f !== undefined) yield f;
    }
  }

  createdAt(series: SeriesView): number {
    return this.epoch + series.created;
  }

  defaultLabels(): Labels {
    return Object.assign({}, ...this.registries.map((r) => r.getDefaultLabels())) as Labels;
  }

  async collect(): Promise<void> {
    // metrics register after the worker starts serving: their `aggregator` is told here, as
    // meterkit/cluster runs this before each snapshot
    for (const m of this.metrics()) this.server?.setAggregation(m.name, m.aggregator);
    await Promise.all(this.metrics().map((m) => m.runCollect()));
  }
}

/** The worker side, one per process: which registries answer the primary. */
const worker = sharedState<{ server: ClusterMetricsServer | null; source: RegistriesSource | null }>('prom-client.cluster-worker', () => ({ server: null, source: null }));

function serve(registries: readonly Registry[]): void {
  if (!cluster.isWorker) return;
  void worker.server?.close();
  const source = new RegistriesSource(registries);
  worker.source = source;
  worker.server = serveClusterMetrics(source);
  source.server = worker.server;
}

/**
 * prom-client's `AggregatorRegistry` on meterkit/cluster. In the primary, `clusterMetrics()`
 * asks every live `node:cluster` worker for its metrics over IPC (a dead or slow worker is
 * left out and counted, never failing the scrape) and returns their merge: counters and
 * histograms summed, each metric by its `aggregator`, summaries merged as sketches (a true
 * cluster-wide quantile, which prom-client cannot give). Workers answer once they load
 * `meterkit/prom-client`, for the global `register` (see {@link AggregatorRegistry.setRegistries}).
 */
export class AggregatorRegistry extends Registry {
  // made now, not at the first scrape: it must see workers fork to know when each listens
  private aggregator: ClusterAggregator | null = cluster.isPrimary ? new ClusterAggregator() : null;

  /** The merged exposition of every worker (meterkit's text format: families sorted by name). */
  async clusterMetrics(): Promise<string> {
    this.aggregator ??= new ClusterAggregator();
    await this.aggregator.collect();
    return render(this.aggregator, { format: this.contentType === Registry.OPENMETRICS_CONTENT_TYPE ? 'openmetrics' : 'prometheus' });
  }

  /**
   * prom-client's static `aggregate`: a registry of the metrics of several `getMetricsAsJSON()`
   * outputs, each combined by its `aggregator` over values with the same sample name and labels.
   * @throws for an unknown aggregator.
   */
  static aggregate(metricsArr: ReadonlyArray<readonly MetricObjectWithValues[]>, contentType: string = Registry.PROMETHEUS_CONTENT_TYPE): Registry {
    const reg = new Registry(contentType);
    const byName = new Map<string, MetricObjectWithValues[]>();
    for (const list of metricsArr) for (const m of list) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
    for (const group of byName.values()) {
      const first = group[0] as MetricObjectWithValues;
      const fn = aggregators[first.aggregator];
      if (typeof fn !== 'function') throw new MeterkitError(ErrorCode.InvalidArgument, `'${first.aggregator}' is not a defined aggregator.`);
      const merged = fn(group);
      if (merged !== undefined) reg.registerMetric({ name: merged.name, get: () => merged });
    }
    return reg;
  }

  /** Stops listening to the cluster (prom-client's has nothing to close). */
  async close(): Promise<void> {
    await this.aggregator?.close();
    this.aggregator = null;
  }

  /** In a worker: the registries it reports (default: the global `register`). */
  static setRegistries(registries: readonly Registry[]): void {
    serve(registries);
  }
}

// prom-client answers from every cluster worker that loads it; so does the shim
if (cluster.isWorker && worker.server === null) serve([register]);
