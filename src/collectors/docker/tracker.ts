import type { Counter, Gauge, Histogram } from '../../core/handles.js';
import type { Labels } from '../../core/labels.js';
import type { RemovingRecorder } from '../../core/recorder.js';
import type { DockerClient } from './client.js';
import { DockerError } from './client.js';
import type { ContainerFacts, CpuSample, ResourceFigures } from './figures.js';
import { CONTAINER_STATES, containerFacts, healthState, resourceFigures, runningState } from './figures.js';

/**
 * What the Docker collector records into: a Registry is one (`remove` unpublishes a vanished or
 * failing container's series, so nothing stale stays).
 */
export interface DockerMetricsTarget extends RemovingRecorder {
  registerCounter(name: string, labels?: Labels): Counter;
  /** A Registry's gauges can carry an explicit sample time (`setAt`); other targets get `set`. */
  registerGauge(name: string, labels?: Labels): Gauge & { setAt?(value: number, timestampMs: number): void };
}

/** How container series are named: docker_exporter's names, or cAdvisor's. */
export type DockerNaming = 'docker' | 'cadvisor';

/** Shared probe histograms. */
export interface ProbeMetrics {
  inspectDuration: Histogram;
  statsDuration: Histogram;
}

/** What a tracker needs from its collector for one update. */
export interface TrackerContext {
  client: DockerClient;
  signal: AbortSignal;
  probe: ProbeMetrics;
  /** cAdvisor mode: the `id` label (the cgroup path) of a running container. */
  cgroup(pid: number, id: string): Promise<string>;
  /** cAdvisor mode: the `device` label of a block device. */
  device(major: number, minor: number): Promise<string>;
  /** cAdvisor mode: `container_label_*` / `container_env_*` label names → the key they come from. */
  extraLabels: ReadonlyArray<{ label: string; from: 'labels' | 'env'; key: string }>;
}

/** How one update of a tracker ended. */
export type TrackerOutcome = { ok: true } | { ok: false; vanished: true } | { ok: false; vanished: false; reason: string };

type Key = string;
interface Entry {
  name: string;
  labels: Record<string, string>;
  /** Update generation that last set it. */
  gen: number;
  /** Last raw reading of a counter: a lower one is a counter reset (no need to read the recorder back). */
  raw?: number;
}

/**
 * Series one tracker published, so it can take them back. Each update is bracketed by
 * `begin()`/`end()`: a series not set again (an interface gone, a state that changed) is removed.
 */
class Published {
  private readonly series = new Map<Key, Entry>();
  private gen = 0;
  constructor(private readonly target: DockerMetricsTarget) {}

  begin(): void {
    this.gen++;
  }

  private entry(name: string, labels: Record<string, string>): Entry {
    const key = `${name}\u0000${JSON.stringify(labels)}`;
    let e = this.series.get(key);
    if (e === undefined) {
      e = { name, labels, gen: this.gen };
      this.series.set(key, e);
    }
    e.gen = this.gen;
    return e;
  }

  gauge(name: string, labels: Record<string, string>, v: number): void {
    this.entry(name, labels);
    this.target.registerGauge(name, labels).set(v);
  }

  /** A gauge sample with an explicit time, where the target supports one. */
  gaugeAt(name: string, labels: Record<string, string>, v: number, timestampMs: number): void {
    this.entry(name, labels);
    const g = this.target.registerGauge(name, labels);
    if (g.setAt !== undefined) g.setAt(v, timestampMs);
    else g.set(v);
  }

  /** A counter fed from the engine's cumulative figure; a figure going down is a counter reset. */
  counter(name: string, labels: Record<string, string>, v: number): void {
    const e = this.entry(name, labels);
    if (e.raw !== undefined && v < e.raw) this.target.remove(name, labels);
    e.raw = v;
    this.target.registerCounter(name, labels).absolute(v);
  }

  /** Removes what the update since `begin()` did not set. */
  end(): void {
    for (const [key, e] of this.series) {
      if (e.gen !== this.gen) {
        this.target.remove(e.name, e.labels);
        this.series.delete(key);
      }
    }
  }

  clear(): void {
    for (const e of this.series.values()) this.target.remove(e.name, e.labels);
    this.series.clear();
  }

  get size(): number {
    return this.series.size;
  }
}

function timed<T>(h: Histogram, work: Promise<T>): Promise<T> {
  const t0 = process.hrtime.bigint();
  const done = (): void => h.record(Number(process.hrtime.bigint() - t0) / 1e9);
  return work.then(
    (v) => {
      done();
      return v;
    },
    (err: unknown) => {
      done();
      throw err;
    },
  );
}

/** Tracks one container: inspects it, fetches its stats when running, publishes its series. */
export class ContainerTracker {
  private readonly state: Published;
  private readonly resources: Published;
  private previous: CpuSample | undefined;
  /** True once the engine said the container is gone (404). */
  vanished = false;

  constructor(
    readonly id: string,
    readonly name: string,
    target: DockerMetricsTarget,
    private readonly naming: DockerNaming,
  ) {
    this.state = new Published(target);
    this.resources = new Published(target);
  }

  /** Series published now (state + resources). */
  get publishedCount(): number {
    return this.state.size + this.resources.size;
  }

  /** Takes back every series of this container. */
  unpublish(): void {
    this.state.clear();
    this.resources.clear();
    this.previous = undefined;
  }

  /**
   * One update. Never rejects: a failure (the engine's, or a malformed answer) unpublishes
   * this container and is returned with its reason, for the collector to count and log.
   */
  async update(ctx: TrackerContext): Promise<TrackerOutcome> {
    try {
      const enc = encodeURIComponent(this.id);
      const facts = containerFacts(await timed(ctx.probe.inspectDuration, ctx.client.get<unknown>(`/containers/${enc}/json`, 'inspect', ctx.signal)));
      let stats: ResourceFigures | null = null;
      // docker_exporter samples every container whose State.Running is true, paused ones included
      if (facts.running) {
        const q = ctx.client.oneShot ? 'stream=false&one-shot=true' : 'stream=false';
        stats = resourceFigures(await timed(ctx.probe.statsDuration, ctx.client.get<unknown>(`/containers/${enc}/stats?${q}`, 'stats', ctx.signal)), this.previous);
      }
      if (this.naming === 'docker') this.publishDocker(facts, stats);
      else await this.publishCadvisor(facts, stats, ctx);
      return { ok: true };
    } catch (err) {
      this.unpublish();
      if (err instanceof DockerError && err.status === 404) {
        // gone between the list and now: normal, not a failure
        this.vanished = true;
        return { ok: false, vanished: true };
      }
      return { ok: false, vanished: false, reason: err instanceof Error ? err.message : String(err) };
    }
  }

  private keep(stats: ResourceFigures | null): void {
    this.previous = stats === null ? undefined : { total: stats.cpuTotal, system: stats.cpuSystem };
  }

  private publishDocker(c: ContainerFacts, f: ResourceFigures | null): void {
    const l = { name: this.name };
    const s = this.state;
    s.begin();
    if (c.restartCount !== undefined) s.gauge('docker_container_restart_count', l, c.restartCount);
    s.gauge('docker_container_running_state', l, runningState(c));
    const states = c.status === undefined || CONTAINER_STATES.includes(c.status) ? CONTAINER_STATES : [...CONTAINER_STATES, c.status];
    for (const state of states) s.gauge('docker_container_state', { ...l, state }, state === c.status ? 1 : 0);
    if (c.startTime !== undefined) s.gauge('docker_container_start_time_seconds', l, c.startTime);
    s.gauge('docker_container_health_state', l, healthState(c));
    if (c.nanoCpus > 0) s.gauge('docker_container_cpu_limit_cores', l, c.nanoCpus / 1e9);
    if (c.memoryLimit > 0) s.gauge('docker_container_memory_limit_bytes', l, c.memoryLimit);
    s.end();
    this.keep(f);
    if (f === null) {
      // stopped: keeps its state metrics, loses its resource metrics
      this.resources.clear();
      return;
    }
    const r = this.resources;
    r.begin();
    r.gauge('docker_container_cpu_used_total', l, f.cpuTotal);
    r.gauge('docker_container_cpu_capacity_total', l, f.cpuSystem);
    if (f.cpuCores !== undefined) r.gauge('docker_container_cpu_usage_cores', l, f.cpuCores);
    r.gauge('docker_container_memory_used_bytes', l, f.memoryUsage);
    r.gauge('docker_container_network_in_bytes', l, f.rxTotal);
    r.gauge('docker_container_network_out_bytes', l, f.txTotal);
    r.gauge('docker_container_disk_read_bytes', l, f.readTotal);
    r.gauge('docker_container_disk_write_bytes', l, f.writeTotal);
    r.end();
  }

  /** cAdvisor only knows containers with a live cgroup: a stopped container publishes nothing. */
  private async publishCadvisor(c: ContainerFacts, f: ResourceFigures | null, ctx: TrackerContext): Promise<void> {
    if (f === null) {
      this.unpublish();
      return;
    }
    const l: Record<string, string> = { id: await ctx.cgroup(c.pid, this.id), name: this.name, image: c.image };
    for (const x of ctx.extraLabels) l[x.label] = (x.from === 'labels' ? c.labels[x.key] : c.env[x.key]) ?? '';
    const devices = await Promise.all(f.disks.map((d) => ctx.device(d.major, d.minor)));
    const s = this.state;
    s.begin();
    if (c.startTime !== undefined) s.gauge('container_start_time_seconds', l, c.startTime);
    // as cAdvisor: seconds as the value and the same moment as the sample time, so the last
    // sample stays queryable after the container is gone and `time() - container_last_seen > 60` fires
    const seen = Date.now();
    s.gaugeAt('container_last_seen', l, Math.floor(seen / 1000), seen);
    s.gauge('container_spec_memory_limit_bytes', l, c.memoryLimit);
    // what Docker writes to the cgroup: --cpus becomes a quota over the default 100 ms period
    const period = c.cpuPeriod > 0 ? c.cpuPeriod : 100_000;
    const quota = c.cpuQuota > 0 ? c.cpuQuota : c.nanoCpus > 0 ? Math.round((c.nanoCpus * period) / 1e9) : 0;
    if (quota > 0) {
      s.gauge('container_spec_cpu_quota', l, quota);
      s.gauge('container_spec_cpu_period', l, period);
    }
    if (c.cpuShares > 0) s.gauge('container_spec_cpu_shares', l, c.cpuShares);
    s.end();
    this.keep(f);
    const r = this.resources;
    r.begin();
    r.counter('container_cpu_usage_seconds_total', { ...l, cpu: 'total' }, f.cpuTotal / 1e9);
    if (f.cpuUser !== undefined) r.counter('container_cpu_user_seconds_total', l, f.cpuUser / 1e9);
    if (f.cpuKernel !== undefined) r.counter('container_cpu_system_seconds_total', l, f.cpuKernel / 1e9);
    r.gauge('container_memory_usage_bytes', l, f.memoryUsage);
    r.gauge('container_memory_working_set_bytes', l, f.memoryWorkingSet);
    if (f.memoryRss !== undefined) r.gauge('container_memory_rss', l, f.memoryRss);
    if (f.memoryCache !== undefined) r.gauge('container_memory_cache', l, f.memoryCache);
    if (f.memoryMaxUsage !== undefined) r.gauge('container_memory_max_usage_bytes', l, f.memoryMaxUsage);
    if (f.memoryFailcnt !== undefined) r.gauge('container_memory_failcnt', l, f.memoryFailcnt);
    for (const n of f.networks) {
      const nl = { ...l, interface: n.name };
      const pairs: Array<[string, number | undefined]> = [
        ['container_network_receive_bytes_total', n.rx],
        ['container_network_transmit_bytes_total', n.tx],
        ['container_network_receive_packets_total', n.rxPackets],
        ['container_network_transmit_packets_total', n.txPackets],
        ['container_network_receive_errors_total', n.rxErrors],
        ['container_network_transmit_errors_total', n.txErrors],
        ['container_network_receive_packets_dropped_total', n.rxDropped],
        ['container_network_transmit_packets_dropped_total', n.txDropped],
      ];
      for (const [name, v] of pairs) if (v !== undefined) r.counter(name, nl, v);
    }
    f.disks.forEach((d, i) => {
      const dl = { ...l, device: devices[i] as string };
      r.counter('container_fs_reads_bytes_total', dl, d.read);
      r.counter('container_fs_writes_bytes_total', dl, d.write);
    });
    r.end();
  }
}
