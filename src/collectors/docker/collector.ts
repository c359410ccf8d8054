import { exponentialBuckets } from '../../core/buckets.js';
import type { Counter, Gauge, Histogram } from '../../core/handles.js';
import { describeByKind } from '../../core/recorder.js';
import { Unit } from '../../core/units.js';
import { DockerClient, resolveDockerUrl } from './client.js';
import type { ListedContainer } from './figures.js';
import { displayName } from './figures.js';
import type { DockerMetricsTarget, DockerNaming, ProbeMetrics } from './tracker.js';
import { ContainerTracker } from './tracker.js';

/** docker_exporter's buckets for probe durations: 0.5 s × 1.5^k, 14 buckets. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze(exponentialBuckets(0.5, 1.5, 14));

/** Options of {@link DockerCollector}. */
export interface DockerCollectorOptions {
  /** Engine URL; default `DOCKER_HOST`, else unix:///var/run/docker.sock when it exists. */
  url?: string;
  /** `docker` (docker_exporter's names, default) or `cadvisor`. */
  naming?: DockerNaming;
  /** A scrape waits this long for an update before answering with the previous data (ms). Default 20 000. */
  inlineTimeout?: number;
  /** An update is abandoned after this long (ms). Default 120 000. */
  deadline?: number;
  /** Timeout of each API call (ms). Default 30 000. */
  callTimeout?: number;
  /** Containers inspected / sampled at once. Default 8. */
  concurrency?: number;
  /** Where "engine unavailable" / "engine back" go, once per episode. Default stderr. */
  log?: (line: string) => void;
  /** Environment to read DOCKER_HOST from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

const HELP: Array<[string, 'gauge' | 'counter' | 'histogram', Unit | undefined, string]> = [
  ['docker_containers', 'gauge', undefined, 'Number of containers that exist.'],
  ['docker_probe_list_containers_failed_total', 'counter', undefined, 'How many times the attempt to list all containers has failed.'],
  ['docker_probe_duration_seconds', 'histogram', Unit.Seconds, 'How long it takes to query Docker for the complete data set. Includes failed requests.'],
  ['docker_probe_list_containers_duration_seconds', 'histogram', Unit.Seconds, 'How long it takes to query Docker for the list of containers. Includes failed requests.'],
  ['docker_probe_successfully_completed_time', 'gauge', undefined, 'When the last Docker probe was successfully completed.'],
  ['docker_probe_container_failed_total', 'counter', undefined, 'Number of times the exporter failed to collect information about a specific container.'],
  ['docker_probe_inspect_duration_seconds', 'histogram', Unit.Seconds, 'How long it takes to query Docker for the basic information about a single container. Includes failed requests.'],
  ['docker_probe_stats_duration_seconds', 'histogram', Unit.Seconds, 'How long it takes to query Docker for the resource usage of a single container. Includes failed requests.'],
  ['docker_probe_inline_timeouts_total', 'counter', undefined, 'Total number of times we have forced the scrape to happen in the background and returned outdated data because performing an update inline took too long.'],
  ['docker_container_restart_count', 'gauge', undefined, 'Number of times the runtime has restarted this container without explicit user action, since the container was last started.'],
  ['docker_container_running_state', 'gauge', undefined, 'Whether the container is running (1), restarting (0.5) or stopped (0).'],
  ['docker_container_start_time_seconds', 'gauge', Unit.Seconds, 'Timestamp indicating when the container was started. Does not get reset by automatic restarts.'],
  ['docker_container_cpu_used_total', 'gauge', undefined, 'Accumulated CPU usage of a container, in unspecified units, averaged for all logical CPUs usable by the container.'],
  ['docker_container_cpu_capacity_total', 'gauge', undefined, 'All potential CPU usage available to a container, in unspecified units, averaged for all logical CPUs usable by the container. Start point of measurement is undefined - only relative values should be used in analytics.'],
  ['docker_container_memory_used_bytes', 'gauge', Unit.Bytes, 'Memory usage of a container.'],
  ['docker_container_network_in_bytes', 'gauge', Unit.Bytes, "Total bytes received by the container's network interfaces."],
  ['docker_container_network_out_bytes', 'gauge', Unit.Bytes, "Total bytes sent by the container's network interfaces."],
  ['docker_container_disk_read_bytes', 'gauge', Unit.Bytes, 'Total bytes read from disk by a container.'],
  ['docker_container_disk_write_bytes', 'gauge', Unit.Bytes, 'Total bytes written to disk by a container.'],
  ['docker_container_health_state', 'gauge', undefined, 'Health of the container: healthy (1), starting (0.5), unhealthy (0), no healthcheck (-1).'],
  ['docker_container_cpu_limit_cores', 'gauge', undefined, 'CPU limit of the container in cores (NanoCpus), when one is set.'],
  ['docker_container_memory_limit_bytes', 'gauge', Unit.Bytes, 'Memory limit of the container, when one is set.'],
  ['docker_container_cpu_usage_cores', 'gauge', undefined, 'CPU used by the container between the last two samples, in cores (0 to the number of CPUs).'],
];

const CADVISOR_HELP: Array<[string, 'gauge' | 'counter', Unit | undefined, string]> = [
  ['container_cpu_usage_seconds_total', 'counter', Unit.Seconds, 'Cumulative cpu time consumed in seconds.'],
  ['container_memory_usage_bytes', 'gauge', Unit.Bytes, 'Current memory usage in bytes, including all memory regardless of when it was accessed.'],
  ['container_memory_working_set_bytes', 'gauge', Unit.Bytes, 'Current working set in bytes.'],
  ['container_network_receive_bytes_total', 'counter', Unit.Bytes, 'Cumulative count of bytes received.'],
  ['container_network_transmit_bytes_total', 'counter', Unit.Bytes, 'Cumulative count of bytes transmitted.'],
  ['container_fs_reads_bytes_total', 'counter', Unit.Bytes, 'Cumulative count of bytes read.'],
  ['container_fs_writes_bytes_total', 'counter', Unit.Bytes, 'Cumulative count of bytes written.'],
  ['container_last_seen', 'gauge', undefined, 'Last time a container was seen by the exporter.'],
  ['container_start_time_seconds', 'gauge', Unit.Seconds, 'Start time of the container since unix epoch in seconds.'],
  ['container_spec_memory_limit_bytes', 'gauge', Unit.Bytes, 'Memory limit for the container.'],
];

async function pool<T>(items: readonly T[], size: number, work: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(runners);
}

/**
 * Container metrics from the Docker Engine API (Docker or Podman), updated on scrape.
 * One tracker per container, created and disposed as containers appear and vanish.
 */
export class DockerCollector {
  readonly client: DockerClient;
  readonly url: string;
  private readonly trackers = new Map<string, ContainerTracker>();
  private running: Promise<void> | null = null;
  private engineUp: boolean | null = null;
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
    probeMetrics: ProbeMetrics;
  };

  constructor(
    private readonly target: DockerMetricsTarget & { setHistogramOptions?(name: string, o: { buckets: readonly number[] }): void },
    private readonly options: DockerCollectorOptions = {},
  ) {
    const { url, endpoint } = resolveDockerUrl(options.url, options.env);
    this.url = url;
    this.client = new DockerClient(endpoint, options.callTimeout ?? 30_000);
    this.naming = options.naming ?? 'docker';
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    for (const [name, kind, unit, help] of HELP) {
      if (this.naming === 'cadvisor' && name.startsWith('docker_container_')) continue;
      if (kind === 'histogram') {
        try {
          target.setHistogramOptions?.(name, { buckets: DURATION_BUCKETS });
        } catch {
          // already in use (a second collector on the same registry): keep its buckets
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
      probeMetrics: {
        containerFailed: (name) => target.registerCounter('docker_probe_container_failed_total', { name }).increment(),
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
   * What a scrape calls: runs an update (or joins the one under way) and waits for it up to
   * the inline timeout; past that it resolves with the previous data still published, the
   * update finishing in the background, and counts `docker_probe_inline_timeouts_total`.
   */
  async collect(): Promise<void> {
    const run = (this.running ??= this.update().finally(() => {
      this.running = null;
    }));
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      run.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.options.inlineTimeout ?? 20_000);
      }),
    ]);
    clearTimeout(timer);
    if (late) this.m.inlineTimeouts.increment();
  }

  /** One full update, bounded by the deadline. Never rejects. */
  async update(): Promise<void> {
    const signal = AbortSignal.timeout(this.options.deadline ?? 120_000);
    const t0 = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
    let listed: ListedContainer[];
    const l0 = process.hrtime.bigint();
    try {
      listed = await this.client.get<ListedContainer[]>('/containers/json?all=true', 'list', signal);
      if (!Array.isArray(listed)) throw new Error('the container list is not an array');
    } catch (err) {
      this.m.list.record(Number(process.hrtime.bigint() - l0) / 1e9);
      this.m.listFailed.increment();
      // no stale data: every container's series go until the list works again
      for (const t of this.trackers.values()) t.unpublish();
      this.trackers.clear();
      this.client.reset();
      this.lastError = err instanceof Error ? err.message : String(err);
      if (this.engineUp !== false) {
        this.log(`meterkit docker: engine at ${this.url} unavailable (${this.lastError}); container metrics unpublished until it is back`);
      }
      this.engineUp = false;
      this.m.probe.record(elapsed());
      return;
    }
    this.m.list.record(Number(process.hrtime.bigint() - l0) / 1e9);
    if (this.engineUp === false) this.log(`meterkit docker: engine at ${this.url} is back`);
    this.lastError = null;
    this.engineUp = true;
    this.m.containers.set(listed.length);
    const ids = new Set<string>();
    for (const c of listed) {
      if (typeof c?.Id !== 'string') continue;
      ids.add(c.Id);
      if (!this.trackers.has(c.Id)) {
        this.trackers.set(c.Id, new ContainerTracker(c.Id, displayName(c.Names, c.Id), this.target, this.naming, this.m.probeMetrics));
      }
    }
    for (const [id, t] of this.trackers) {
      if (!ids.has(id)) {
        t.unpublish();
        this.trackers.delete(id);
      }
    }
    await pool([...this.trackers.values()], this.options.concurrency ?? 8, (t) => t.update(this.client, signal));
    for (const [id, t] of this.trackers) {
      if (t.vanished) this.trackers.delete(id);
    }
    this.m.completed.set(Date.now() / 1000);
    this.m.probe.record(elapsed());
  }

  /** Takes back every container series. */
  close(): void {
    for (const t of this.trackers.values()) t.unpublish();
    this.trackers.clear();
  }
}

/** Adds a DockerCollector to `registry` as the scrape-time collector `docker`. */
export function collectDockerMetrics(
  registry: DockerMetricsTarget & { addCollector(name: string, fn: () => Promise<void>): () => void; setHistogramOptions?(name: string, o: { buckets: readonly number[] }): void },
  options: DockerCollectorOptions = {},
): DockerCollector & { stop(): void } {
  const dc = new DockerCollector(registry, options);
  const remove = registry.addCollector('docker', () => dc.collect());
  return Object.assign(dc, {
    stop: () => {
      remove();
      dc.close();
    },
  });
}
