import type { Counter, Gauge, Histogram } from '../../core/handles.js';
import { describeByKind } from '../../core/recorder.js';
import { ErrorCode, MeterkitError } from '../../core/errors.js';
import { validateLabelName } from '../../core/labels.js';
import { checkDuration, checkWhole } from '../../core/options.js';
import type { CollectorHost, HistogramOptionsTarget } from '../../core/collect.js';
import type { ResponseLimits } from './client.js';
import { DockerClient, DockerError, resolveDockerUrl } from './client.js';
import { containerId, displayName } from './figures.js';
import { CADVISOR_HELP, DURATION_BUCKETS, HELP } from './help.js';
import type { HostPaths } from './host.js';
import { blockDeviceName, cgroupPath, fallbackCgroup } from './host.js';
import type { DockerMetricsTarget, DockerNaming, ProbeMetrics, TrackerContext } from './tracker.js';
import { ContainerTracker } from './tracker.js';

/** Options of {@link DockerCollector}. */
export interface DockerCollectorOptions {
  /** Engine URL; default `DOCKER_HOST`, else unix:///var/run/docker.sock when it exists. */
  url?: string;
  /** `docker` (docker_exporter's names, default) or `cadvisor`. */
  naming?: DockerNaming;
  /**
   * An update is abandoned after this long (ms). Default 120 000. How long a *scrape* waits is
   * not the collector's business: the registry's inline timeout (the scrape-timeout header, or
   * `collectTimeout`) decides, and the scrape answers with the last data past it.
   */
  deadline?: number;
  /** Timeout of each API call (ms). Default 30 000. */
  callTimeout?: number;
  /** Containers inspected / sampled at once. Default 8. */
  concurrency?: number;
  /** Largest engine answers read, in bytes, by kind of call (defaults: list 16 MiB, inspect 2 MiB, stats 1 MiB). */
  maxResponseBytes?: Partial<ResponseLimits>;
  /** cAdvisor mode: container labels published as `container_label_<name>` (cAdvisor's `--whitelisted_container_labels`). */
  containerLabels?: readonly string[];
  /** cAdvisor mode: environment variables published as `container_env_<name>` (cAdvisor's `--env_metadata_whitelist`). */
  containerEnv?: readonly string[];
  /** cAdvisor mode: where the host's /proc and /sys are. Default /proc and /sys; read only for a unix-socket engine. */
  hostPaths?: HostPaths;
  /** Where "engine unavailable" / "engine back" and container failures go, once per episode. Default stderr. */
  log?: (line: string) => void;
  /** Environment to read DOCKER_HOST from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Most `docker_probe_container_failed_total{name}` series at once. Default 1000. A failure of
   * a further name is counted in `docker_probe_container_failed_overflow_total` instead.
   */
  maxFailedSeries?: number;
}

/** What {@link DockerCollector.addTo} needs: a registry is one. */
export type { CollectorHost };

async function pool<T>(items: readonly T[], size: number, work: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(runners);
}

/** cAdvisor's label name for a container label or environment variable: invalid characters become `_`. */
function extraLabelName(prefix: string, key: string): string {
  return `${prefix}${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

/**
 * Container metrics from the Docker Engine API (Docker or Podman), updated on scrape.
 * One tracker per container, created and disposed as containers appear and vanish.
 *
 * Timeouts: one update runs at a time (concurrent scrapes join it), bounded by `deadline`
 * and each call by `callTimeout`. How long a scrape waits for it is the registry's one
 * inline-timeout policy; past it the scrape answers with the last data and
 * `docker_probe_inline_timeouts_total` counts it. `close()` aborts the engine calls in flight.
 *
 * Failures: a failing or malformed container is unpublished, counted in
 * `docker_probe_container_failed_total{name}` and logged once per episode with its reason;
 * the other containers are not affected. A failing list unpublishes every container.
 */
export class DockerCollector {
  readonly client: DockerClient;
  readonly url: string;
  private readonly trackers = new Map<string, ContainerTracker>();
  private running: Promise<void> | null = null;
  private engineUp: boolean | null = null;
  /** Containers (by id) failing now: their failure was logged. */
  private readonly failing = new Set<string>();
  /** Names that have a `docker_probe_container_failed_total{name}` series now. */
  private readonly failedSeries = new Set<string>();
  private readonly maxFailedSeries: number;
  private readonly closing = new AbortController();
  private detach: (() => void) | null = null;
  private readonly deadline: number;
  private readonly concurrency: number;
  private readonly local: boolean;
  private readonly devices = new Map<string, string>();
  private readonly extraLabels: Array<{ label: string; from: 'labels' | 'env'; key: string }> = [];
  private versionPublished = false;
  private versionLabels: Record<string, string> | null = null;
  /** Why the last list failed, or null after a successful one. */
  lastError: string | null = null;
  private readonly naming: DockerNaming;
  private readonly log: (line: string) => void;
  private readonly m: {
    containers: Gauge;
    listFailed: Counter;
    probe: Histogram;
    list: Histogram;
    completed: Gauge;
    inlineTimeouts: Counter;
    failedOverflow: Counter;
    probeMetrics: ProbeMetrics;
  };

  constructor(
    private readonly target: DockerMetricsTarget & HistogramOptionsTarget,
    private readonly options: DockerCollectorOptions = {},
  ) {
    const { url, endpoint } = resolveDockerUrl(options.url, options.env);
    this.url = url;
    this.client = new DockerClient(endpoint, options.callTimeout ?? 30_000, options.maxResponseBytes);
    this.deadline = checkDuration('Docker deadline', options.deadline ?? 120_000);
    this.concurrency = checkWhole('Docker concurrency', options.concurrency ?? 8, { max: 1024 });
    this.maxFailedSeries = checkWhole('Docker maxFailedSeries', options.maxFailedSeries ?? 1000, { min: 0 });
    this.local = 'socketPath' in endpoint;
    this.naming = options.naming ?? 'docker';
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    for (const key of options.containerLabels ?? []) this.extraLabels.push({ label: extraLabelName('container_label_', key), from: 'labels', key });
    for (const key of options.containerEnv ?? []) this.extraLabels.push({ label: extraLabelName('container_env_', key), from: 'env', key });
    for (const x of this.extraLabels) validateLabelName(x.label);
    for (const [name, kind, unit, help] of HELP) {
      if (this.naming === 'cadvisor' && name.startsWith('docker_container_')) continue;
      if (kind === 'histogram') {
        try {
          target.setHistogramOptions?.(name, { buckets: DURATION_BUCKETS });
        } catch (err) {
          // in use already (a second collector on the same registry): its buckets stay
          if (!(err instanceof MeterkitError && err.code === ErrorCode.ConfigTooLate)) throw err;
        }
      }
      describeByKind(target, kind, name, unit, help);
    }
    if (this.naming === 'cadvisor') {
      for (const [name, kind, unit, help] of CADVISOR_HELP) describeByKind(target, kind, name, unit, help);
    }
    this.m = {
      containers: target.registerGauge('docker_containers'),
      listFailed: target.registerCounter('docker_probe_list_containers_failed_total'),
      probe: target.registerHistogram('docker_probe_duration_seconds'),
      list: target.registerHistogram('docker_probe_list_containers_duration_seconds'),
      completed: target.registerGauge('docker_probe_successfully_completed_time'),
      inlineTimeouts: target.registerCounter('docker_probe_inline_timeouts_total'),
      failedOverflow: target.registerCounter('docker_probe_container_failed_overflow_total'),
      probeMetrics: {
        inspectDuration: target.registerHistogram('docker_probe_inspect_duration_seconds'),
        statsDuration: target.registerHistogram('docker_probe_stats_duration_seconds'),
      },
    };
  }

  /** Containers tracked now. */
  get trackedCount(): number {
    return this.trackers.size;
  }

  /**
   * Adds this collector to a registry as the scrape-time collector `docker`; the registry
   * tells it when a scrape stopped waiting (`docker_probe_inline_timeouts_total`).
   * `close()` removes it.
   */
  addTo(host: CollectorHost): this {
    if (this.detach !== null) throw new MeterkitError(ErrorCode.InvalidArgument, 'this DockerCollector is added to a registry already');
    this.detach = host.addCollector('docker', () => this.collect(), { onInlineTimeout: () => this.m.inlineTimeouts.increment() });
    return this;
  }

  /** What a scrape calls: runs an update, or joins the one under way (single-flight). Never rejects. */
  collect(): Promise<void> {
    if (this.closing.signal.aborted) return Promise.resolve();
    return (this.running ??= this.update().finally(() => {
      this.running = null;
    }));
  }

  /**
   * Stops: removes the collector from its registry, aborts every engine call in flight,
   * waits for the update under way to settle, and takes back every container series.
   */
  async close(): Promise<void> {
    this.detach?.();
    this.detach = null;
    this.closing.abort(new DockerError('the Docker collector is closing'));
    await this.running;
    for (const t of this.trackers.values()) t.unpublish();
    this.trackers.clear();
    this.dropFailedSeries(new Set());
  }

  /** One full update, bounded by the deadline and by `close()`. Never rejects. */
  async update(): Promise<void> {
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.deadline)]);
    const t0 = process.hrtime.bigint();
    let listed: unknown;
    try {
      listed = await this.client.get<unknown>('/containers/json?all=true', 'list', signal);
      if (!Array.isArray(listed)) throw new DockerError('malformed engine answer: the container list is not an array');
      if (this.naming === 'cadvisor' && !this.versionPublished) await this.publishVersion(signal);
    } catch (err) {
      this.m.list.record(seconds(t0));
      if (this.closing.signal.aborted) return;
      this.listFailed(err);
      this.m.probe.record(seconds(t0));
      return;
    }
    this.m.list.record(seconds(t0));
    if (this.engineUp === false) this.log(`meterkit docker: engine at ${this.url} is back`);
    this.lastError = null;
    this.engineUp = true;
    if (this.naming === 'cadvisor') this.target.registerGauge('container_scrape_error').set(0);
    this.m.containers.set(listed.length);
    const ids = this.reconcile(listed);
    for (const [id, t] of this.trackers) {
      if (!ids.has(id)) {
        t.unpublish();
        this.trackers.delete(id);
      }
    }
    const ctx: TrackerContext = {
      client: this.client,
      signal,
      probe: this.m.probeMetrics,
      cgroup: (pid, id) => this.cgroup(pid, id),
      device: (major, minor) => this.device(major, minor),
      extraLabels: this.extraLabels,
    };
    await pool([...this.trackers.values()], this.concurrency, async (t) => {
      const r = await t.update(ctx);
      if (r.ok) this.recovered(t.id);
      else if (r.vanished) this.trackers.delete(t.id);
      else if (!this.closing.signal.aborted) this.containerFailed(t.id, t.name, r.reason);
    });
    if (this.closing.signal.aborted) return;
    this.m.completed.set(Date.now() / 1000);
    this.m.probe.record(seconds(t0));
  }

  /** Trackers for the listed containers; a malformed entry fails alone. Returns the ids listed. */
  private reconcile(listed: unknown[]): Set<string> {
    const ids = new Set<string>();
    // failing entries still listed: the others leave `failing`, so it stays as small as the list
    const listedKeys = new Set<string>();
    // the `name` each entry is counted under when it fails: a failed series of another name is of a gone container
    const listedNames = new Set<string>();
    listed.forEach((entry, i) => {
      let id: string;
      try {
        id = containerId(entry);
      } catch (err) {
        listedKeys.add(`#${i}`);
        listedNames.add('');
        this.containerFailed(`#${i}`, '', (err as Error).message);
        return;
      }
      listedKeys.add(id);
      let name: string;
      try {
        name = displayName((entry as { Names?: unknown }).Names, id);
      } catch (err) {
        // not in ids: a tracker it had is unpublished below
        listedNames.add(id.slice(0, 12));
        this.containerFailed(id, id.slice(0, 12), (err as Error).message);
        return;
      }
      ids.add(id);
      listedNames.add(name);
      const t = this.trackers.get(id);
      if (t === undefined || t.name !== name) {
        t?.unpublish(); // renamed: its series carry the old name
        this.trackers.set(id, new ContainerTracker(id, name, this.target, this.naming));
      }
    });
    for (const key of this.failing) if (!listedKeys.has(key)) this.failing.delete(key);
    this.dropFailedSeries(listedNames);
    return ids;
  }

  /**
   * Removes the failure counters of containers no longer listed (docker_exporter's
   * ContainerTrackerMetrics removes its series with the tracker): under churn they would
   * otherwise pile up forever. A list that fails keeps them: the containers may still be there.
   */
  private dropFailedSeries(keep: ReadonlySet<string>): void {
    for (const name of this.failedSeries) {
      if (keep.has(name)) continue;
      this.target.remove('docker_probe_container_failed_total', { name });
      this.failedSeries.delete(name);
    }
  }

  private listFailed(err: unknown): void {
    this.m.listFailed.increment();
    // no stale data: every container's series go until the list works again
    for (const t of this.trackers.values()) t.unpublish();
    this.trackers.clear();
    this.client.reset();
    this.versionPublished = false;
    if (this.naming === 'cadvisor') this.target.registerGauge('container_scrape_error').set(1);
    this.lastError = err instanceof Error ? err.message : String(err);
    if (this.engineUp !== false) {
      this.log(`meterkit docker: engine at ${this.url} unavailable (${this.lastError}); container metrics unpublished until it is back`);
    }
    this.engineUp = false;
  }

  private containerFailed(key: string, name: string, reason: string): void {
    if (this.failedSeries.has(name) || this.failedSeries.size < this.maxFailedSeries) {
      this.failedSeries.add(name);
      this.target.registerCounter('docker_probe_container_failed_total', { name }).increment();
    } else {
      this.m.failedOverflow.increment();
    }
    if (this.failing.has(key)) return;
    this.failing.add(key);
    this.log(`meterkit docker: container ${name === '' ? key : name} failed, its metrics unpublished until it works again: ${reason}`);
  }

  private recovered(id: string): void {
    this.failing.delete(id);
  }

  /** `cadvisor_version_info`, from what the engine says about itself (once per negotiation). */
  private async publishVersion(signal: AbortSignal): Promise<void> {
    const info = await this.client.get<unknown>('/info', 'other', signal);
    const os = typeof info === 'object' && info !== null ? (info as { OperatingSystem?: unknown }).OperatingSystem : undefined;
    const v = this.client.engine;
    if (this.versionLabels !== null) this.target.remove('cadvisor_version_info', this.versionLabels);
    this.versionLabels = {
        kernelVersion: typeof v.KernelVersion === 'string' ? v.KernelVersion : '',
        osVersion: typeof os === 'string' ? os : '',
        dockerVersion: typeof v.Version === 'string' ? v.Version : '',
        // meterkit is not cAdvisor: these stay empty rather than claim a version
        cadvisorVersion: '',
        cadvisorRevision: '',
    };
    this.target.registerGauge('cadvisor_version_info', this.versionLabels).set(1);
    this.versionPublished = true;
  }

  private async cgroup(pid: number, id: string): Promise<string> {
    return (this.local ? await cgroupPath(pid, id, this.options.hostPaths) : undefined) ?? fallbackCgroup(id);
  }

  private async device(major: number, minor: number): Promise<string> {
    const key = `${major}:${minor}`;
    let name = this.devices.get(key);
    if (name === undefined) {
      name = (this.local ? await blockDeviceName(major, minor, this.options.hostPaths) : undefined) ?? key;
      if (this.devices.size < 4096) this.devices.set(key, name);
    }
    return name;
  }
}

/** Creates a DockerCollector and adds it to `registry` as the scrape-time collector `docker`. */
export function collectDockerMetrics(
  registry: DockerMetricsTarget & CollectorHost & HistogramOptionsTarget,
  options: DockerCollectorOptions = {},
): DockerCollector {
  return new DockerCollector(registry, options).addTo(registry);
}
