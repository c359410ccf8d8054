/**
 * `meterkit/process`: Node.js process and runtime metrics under the names and labels that
 * prom-client's `collectDefaultMetrics` uses, so existing Node.js dashboards work unchanged.
 */
import { checkDuration } from '../../core/options.js';
import { ErrorCode, MeterkitError } from '../../core/errors.js';
import type { Labels } from '../../core/labels.js';
import { splitLabels } from '../../core/labels.js';
import { readFile, readdir } from 'node:fs/promises';
import type { EventLoopUtilization, IntervalHistogram } from 'node:perf_hooks';
import { PerformanceObserver, constants, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { CollectorHost, HistogramOptionsTarget } from '../../core/collect.js';
import type { Recorder } from '../../core/recorder.js';
import { describeByKind } from '../../core/recorder.js';
import { Unit } from '../../core/units.js';

/** Buckets of `nodejs_gc_duration_seconds` (prom-client's). */
export const GC_DURATION_BUCKETS: readonly number[] = Object.freeze([0.001, 0.01, 0.1, 1, 2, 5]);

/** A registry-like target that can also take scrape-time collectors and bucket settings. */
export interface ProcessMetricsTarget extends Recorder, CollectorHost, HistogramOptionsTarget {
  /** Removes one series (a Registry's `remove`): how a vanished handle/request/resource type goes away. */
  remove(name: string, labels?: Record<string, string>): boolean;
}

/** Options of {@link collectProcessMetrics}. */
export interface ProcessMetricsOptions {
  /** Put before every name (e.g. `myapp_`), as prom-client's `collectDefaultMetrics({ prefix })`. Default none. */
  prefix?: string;
  /**
   * Constant labels on every series, after the collector's own (`type`, `space`, `kind` and
   * the version labels, which these cannot name), as prom-client's `collectDefaultMetrics({ labels })`.
   */
  labels?: Labels;
  /** Record into this recorder instead of the target (e.g. a fanout that also streams). */
  recorder?: Recorder;
  /** Event-loop delay sampling resolution in ms. Default 10. */
  eventLoopResolution?: number;
  /** Buckets of the GC duration histogram. Default {@link GC_DURATION_BUCKETS}. */
  gcDurationBuckets?: readonly number[];
  /** Where procfs is mounted. Default `/proc`. */
  procRoot?: string;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

type Described = [name: string, kind: 'counter' | 'gauge' | 'histogram', unit: Unit | undefined, help: string];

const METRICS: Described[] = [
  ['process_cpu_user_seconds_total', 'counter', Unit.Seconds, 'Total user CPU time spent in seconds.'],
  ['process_cpu_system_seconds_total', 'counter', Unit.Seconds, 'Total system CPU time spent in seconds.'],
  ['process_cpu_seconds_total', 'counter', Unit.Seconds, 'Total user and system CPU time spent in seconds.'],
  ['process_start_time_seconds', 'gauge', Unit.Seconds, 'Start time of the process since unix epoch in seconds.'],
  ['process_resident_memory_bytes', 'gauge', Unit.Bytes, 'Resident memory size in bytes.'],
  ['process_virtual_memory_bytes', 'gauge', Unit.Bytes, 'Virtual memory size in bytes.'],
  ['process_heap_bytes', 'gauge', Unit.Bytes, 'Process heap size in bytes.'],
  ['process_open_fds', 'gauge', Unit.Count, 'Number of open file descriptors.'],
  ['process_max_fds', 'gauge', Unit.Count, 'Maximum number of open file descriptors.'],
  ['nodejs_eventloop_lag_seconds', 'gauge', Unit.Seconds, 'Lag of event loop in seconds.'],
  ['nodejs_eventloop_lag_min_seconds', 'gauge', Unit.Seconds, 'The minimum recorded event loop delay.'],
  ['nodejs_eventloop_lag_max_seconds', 'gauge', Unit.Seconds, 'The maximum recorded event loop delay.'],
  ['nodejs_eventloop_lag_mean_seconds', 'gauge', Unit.Seconds, 'The mean of the recorded event loop delays.'],
  ['nodejs_eventloop_lag_stddev_seconds', 'gauge', Unit.Seconds, 'The standard deviation of the recorded event loop delays.'],
  ['nodejs_eventloop_lag_p50_seconds', 'gauge', Unit.Seconds, 'The 50th percentile of the recorded event loop delays.'],
  ['nodejs_eventloop_lag_p90_seconds', 'gauge', Unit.Seconds, 'The 90th percentile of the recorded event loop delays.'],
  ['nodejs_eventloop_lag_p99_seconds', 'gauge', Unit.Seconds, 'The 99th percentile of the recorded event loop delays.'],
  ['nodejs_eventloop_utilization', 'gauge', Unit.Count, 'Share of time the event loop was busy (0 to 1) since the previous collection.'],
  ['nodejs_active_resources', 'gauge', Unit.Count, 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.'],
  ['nodejs_active_resources_total', 'gauge', Unit.Count, 'Total number of active resources.'],
  ['nodejs_active_handles', 'gauge', Unit.Count, 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.'],
  ['nodejs_active_handles_total', 'gauge', Unit.Count, 'Total number of active handles.'],
  ['nodejs_active_requests', 'gauge', Unit.Count, 'Number of active libuv requests grouped by request type. Every request type is C++ class name.'],
  ['nodejs_active_requests_total', 'gauge', Unit.Count, 'Total number of active requests.'],
  ['nodejs_heap_size_total_bytes', 'gauge', Unit.Bytes, 'Process heap size from Node.js in bytes.'],
  ['nodejs_heap_size_used_bytes', 'gauge', Unit.Bytes, 'Process heap size used from Node.js in bytes.'],
  ['nodejs_external_memory_bytes', 'gauge', Unit.Bytes, 'Node.js external memory size in bytes.'],
  ['nodejs_heap_space_size_total_bytes', 'gauge', Unit.Bytes, 'Process heap space size total from Node.js in bytes.'],
  ['nodejs_heap_space_size_used_bytes', 'gauge', Unit.Bytes, 'Process heap space size used from Node.js in bytes.'],
  ['nodejs_heap_space_size_available_bytes', 'gauge', Unit.Bytes, 'Process heap space size available from Node.js in bytes.'],
  ['nodejs_version_info', 'gauge', undefined, 'Node.js version info.'],
  ['nodejs_gc_duration_seconds', 'histogram', Unit.Seconds, 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.'],
];

/*
 * prom-client names the lag statistics nodejs_eventloop_lag_<stat>_seconds; that is what
 * dashboards query, and what METRICS above lists. (The issue lists them as the _min/_max/…
 * "variants" of nodejs_eventloop_lag_seconds.)
 */

/** True for the errors that mean "no procfs here" (not Linux): the figures are left out, silently. */
function noProcfs(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function kb(status: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Label names the collector sets itself: constant labels cannot take them. */
const OWN_LABELS = new Set(['type', 'space', 'kind', 'version', 'major', 'minor', 'patch']);

/** The `labels` option checked, as an object in the order given. */
function constantLabels(labels: Labels | undefined): Readonly<Record<string, string>> {
  const [names, values] = splitLabels(labels, 'process metrics');
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    if (OWN_LABELS.has(n)) {
      throw new MeterkitError(ErrorCode.InvalidLabelName, `invalid process metrics label "${n}": the collector sets it itself (${[...OWN_LABELS].join(', ')})`);
    }
    out[n] = values[i] as string;
  });
  return Object.freeze(out);
}

function countBy(items: readonly unknown[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const it of items) {
    const t = typeof it === 'string' ? it : ((it as object | null)?.constructor?.name ?? 'unknown');
    out.set(t, (out.get(t) ?? 0) + 1);
  }
  return out;
}

/** The process collector: read on each scrape; `close()` stops its observers. */
export class ProcessCollector {
  private readonly n: (s: string) => string;
  /** The collector's labels for a series followed by the constant `labels` option. */
  private readonly l: (own?: Record<string, string>) => Record<string, string> | undefined;
  private readonly delay: IntervalHistogram;
  private readonly gc: PerformanceObserver;
  private elu: EventLoopUtilization;
  private readonly seen = new Map<string, Set<string>>();
  private readonly removeCollector: () => void;
  private readonly startTime = Math.round(Date.now() / 1000 - process.uptime());

  constructor(
    private readonly target: ProcessMetricsTarget,
    private readonly options: ProcessMetricsOptions = {},
  ) {
    const prefix = options.prefix ?? '';
    this.n = (s) => prefix + s;
    const consts = constantLabels(options.labels);
    const none = Object.keys(consts).length === 0;
    this.l = (own) => (none ? own : { ...own, ...consts });
    const rec = this.rec;
    target.setHistogramOptions?.(this.n('nodejs_gc_duration_seconds'), { buckets: options.gcDurationBuckets ?? GC_DURATION_BUCKETS });
    for (const [name, kind, unit, help] of METRICS) describeByKind(rec, kind, this.n(name), unit, help);
    const resolution = options.eventLoopResolution === undefined ? 10 : checkDuration('eventLoopResolution', options.eventLoopResolution);
    this.delay = monitorEventLoopDelay({ resolution });
    this.delay.enable();
    this.elu = performance.eventLoopUtilization();
    this.gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = GC_KINDS[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'unknown';
        rec.registerHistogram(this.n('nodejs_gc_duration_seconds'), this.l({ kind })).record(e.duration / 1000);
      }
    });
    this.gc.observe({ entryTypes: ['gc'] });
    this.constants();
    this.removeCollector = target.addCollector('process', () => this.collect());
  }

  /**
   * The series whose values never change, set at the start and again at each collection (as
   * prom-client sets them in `collect`), so they come back after a registry reset.
   */
  private constants(): void {
    const [major, minor, patch] = process.versions.node.split('.');
    this.rec.registerGauge(this.n('nodejs_version_info'), this.l({ version: process.version, major: major ?? '', minor: minor ?? '', patch: patch ?? '' })).set(1);
    this.rec.registerGauge(this.n('process_start_time_seconds'), this.l()).set(this.startTime);
  }

  private get rec(): Recorder {
    return this.options.recorder ?? this.target;
  }

  /**
   * Sets a gauge per type and removes the series of types seen before but gone now, as
   * prom-client does (it resets the gauge before setting the present types): a type that no
   * longer exists has no series, rather than one stuck at 0 for the life of the process.
   */
  private grouped(name: string, counts: Map<string, number>, label: string): void {
    const rec = this.rec;
    let seen = this.seen.get(name);
    if (seen === undefined) this.seen.set(name, (seen = new Set()));
    for (const t of seen) {
      if (counts.has(t)) continue;
      this.target.remove(this.n(name), this.l({ [label]: t }));
      seen.delete(t);
    }
    let total = 0;
    for (const [t, c] of counts) {
      seen.add(t);
      total += c;
      rec.registerGauge(this.n(name), this.l({ [label]: t })).set(c);
    }
    rec.registerGauge(this.n(`${name}_total`), this.l()).set(total);
  }

  /** Reads everything now. Resolves after one turn of the event loop (the lag probe). */
  async collect(): Promise<void> {
    const rec = this.rec;
    this.constants();
    const g = (name: string, v: number, labels?: Record<string, string>): void => rec.registerGauge(this.n(name), this.l(labels)).set(v);
    const lagStart = process.hrtime.bigint();
    const lag = new Promise<number>((resolve) => setImmediate(() => resolve(Number(process.hrtime.bigint() - lagStart) / 1e9)));

    const cpu = process.cpuUsage();
    rec.registerCounter(this.n('process_cpu_user_seconds_total'), this.l()).absolute(cpu.user / 1e6);
    rec.registerCounter(this.n('process_cpu_system_seconds_total'), this.l()).absolute(cpu.system / 1e6);
    rec.registerCounter(this.n('process_cpu_seconds_total'), this.l()).absolute((cpu.user + cpu.system) / 1e6);

    const mem = process.memoryUsage();
    // A /proc file that is absent (not Linux) leaves its figures out. Any other failure is kept,
    // the rest still updated, and the collection then fails with every reason (counted and
    // reported through the registry's onCollectorError).
    const root = this.options.procRoot ?? '/proc';
    const failures: Array<{ path: string; err: unknown }> = [];
    const fromProc = <T>(path: string, read: (path: string) => Promise<T>): Promise<T | null> =>
      read(path).catch((err: unknown) => {
        if (!noProcfs(err)) failures.push({ path, err });
        return null;
      });
    const status = await fromProc(`${root}/self/status`, (p) => readFile(p, 'utf8'));
    g('process_resident_memory_bytes', (status === null ? undefined : kb(status, 'VmRSS')) ?? mem.rss);
    if (status !== null) {
      const vsize = kb(status, 'VmSize');
      const data = kb(status, 'VmData');
      if (vsize !== undefined) g('process_virtual_memory_bytes', vsize);
      if (data !== undefined) g('process_heap_bytes', data);
    }
    const fds = await fromProc(`${root}/self/fd`, (p) => readdir(p));
    if (fds !== null) g('process_open_fds', fds.length - 1); // minus the fd readdir itself used
    const limits = await fromProc(`${root}/self/limits`, (p) => readFile(p, 'utf8'));
    const maxFds = limits === null ? null : /^Max open files\s+(\d+)/m.exec(limits);
    if (maxFds) g('process_max_fds', Number(maxFds[1]));

    const d = this.delay;
    if (d.count > 0) {
      g('nodejs_eventloop_lag_min_seconds', d.min / 1e9);
      g('nodejs_eventloop_lag_max_seconds', d.max / 1e9);
      g('nodejs_eventloop_lag_mean_seconds', d.mean / 1e9);
      g('nodejs_eventloop_lag_stddev_seconds', d.stddev / 1e9);
      g('nodejs_eventloop_lag_p50_seconds', d.percentile(50) / 1e9);
      g('nodejs_eventloop_lag_p90_seconds', d.percentile(90) / 1e9);
      g('nodejs_eventloop_lag_p99_seconds', d.percentile(99) / 1e9);
    }
    d.reset();
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    g('nodejs_eventloop_utilization', elu.utilization);

    this.grouped('nodejs_active_resources', countBy(process.getActiveResourcesInfo()), 'type');
    const p = process as unknown as { _getActiveHandles?: () => unknown[]; _getActiveRequests?: () => unknown[] };
    if (p._getActiveHandles) this.grouped('nodejs_active_handles', countBy(p._getActiveHandles()), 'type');
    if (p._getActiveRequests) this.grouped('nodejs_active_requests', countBy(p._getActiveRequests()), 'type');

    const heap = getHeapStatistics();
    g('nodejs_heap_size_total_bytes', heap.total_heap_size);
    g('nodejs_heap_size_used_bytes', heap.used_heap_size);
    g('nodejs_external_memory_bytes', mem.external);
    for (const s of getHeapSpaceStatistics()) {
      const space = s.space_name.endsWith('_space') ? s.space_name.slice(0, -6) : s.space_name;
      g('nodejs_heap_space_size_total_bytes', s.space_size, { space });
      g('nodejs_heap_space_size_used_bytes', s.space_used_size, { space });
      g('nodejs_heap_space_size_available_bytes', s.space_available_size, { space });
    }
    g('nodejs_eventloop_lag_seconds', await lag);
    if (failures.length > 0) {
      const why = failures.map((f) => `${f.path}: ${f.err instanceof Error ? f.err.message : String(f.err)}`).join('; ');
      const cause = failures.length === 1 ? failures[0]?.err : new AggregateError(failures.map((f) => f.err));
      throw new MeterkitError(ErrorCode.ProcessMetrics, `process metrics: cannot read ${why}`, { cause });
    }
  }

  /** Stops the observers and removes the scrape-time collector. */
  async close(): Promise<void> {
    this.removeCollector();
    this.delay.disable();
    this.gc.disconnect();
  }
}

/**
 * Starts process and runtime metrics on `target` (a Registry): described now, read on every
 * scrape through a collector named `process`, GC pauses recorded as they happen.
 */
export function collectProcessMetrics(target: ProcessMetricsTarget, options: ProcessMetricsOptions = {}): ProcessCollector {
  return new ProcessCollector(target, options);
}
