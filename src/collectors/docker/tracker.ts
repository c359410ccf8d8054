import type { Counter, Histogram } from '../../core/handles.js';
import type { Labels } from '../../core/labels.js';
import type { Recorder } from '../../core/recorder.js';
import type { DockerClient } from './client.js';
import { DockerError } from './client.js';
import type { ContainerStats, CpuSample, InspectedContainer } from './figures.js';
import { healthState, resourceFigures, runningState, startTimeSeconds } from './figures.js';

/** What the Docker collector records into: a Registry is one. */
export interface DockerMetricsTarget extends Recorder {
  /** Removes one series (so a vanished or failing container publishes nothing stale). */
  remove(name: string, labels?: Labels): boolean;
  registerCounter(name: string, labels?: Labels): Counter & { readonly value?: number };
}

/** How container series are named: docker_exporter's names, or cAdvisor's. */
export type DockerNaming = 'docker' | 'cadvisor';

/** Shared probe metrics handles. */
export interface ProbeMetrics {
  containerFailed(name: string): void;
  inspectDuration: Histogram;
  statsDuration: Histogram;
}

type Key = string;

/** Series one tracker published, so it can take them back. */
class Published {
  private readonly series = new Map<Key, [string, Record<string, string>]>();
  constructor(private readonly target: DockerMetricsTarget) {}

  gauge(name: string, labels: Record<string, string>, v: number): void {
    this.target.registerGauge(name, labels).set(v);
    this.series.set(`${name}\u0000${JSON.stringify(labels)}`, [name, labels]);
  }

  /** A counter fed from the engine's cumulative figure; a figure going down is a counter reset. */
  counter(name: string, labels: Record<string, string>, v: number): void {
    let c = this.target.registerCounter(name, labels);
    if (c.value !== undefined && v < c.value) {
      this.target.remove(name, labels);
      c = this.target.registerCounter(name, labels);
    }
    c.absolute(v);
    this.series.set(`${name}\u0000${JSON.stringify(labels)}`, [name, labels]);
  }

  clear(): void {
    for (const [name, labels] of this.series.values()) this.target.remove(name, labels);
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
    private readonly probe: ProbeMetrics,
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
  }

  /** One update. Never throws: a failure unpublishes this container and is counted. */
  async update(client: DockerClient, signal?: AbortSignal): Promise<void> {
    let c: InspectedContainer;
    let stats: ContainerStats | null = null;
    try {
      c = await timed(this.probe.inspectDuration, client.get<InspectedContainer>(`/containers/${encodeURIComponent(this.id)}/json`, 'inspect', signal));
      if (runningState(c) === 1) {
        const q = client.oneShot ? 'stream=false&one-shot=true' : 'stream=false';
        stats = await timed(this.probe.statsDuration, client.get<ContainerStats>(`/containers/${encodeURIComponent(this.id)}/stats?${q}`, 'stats', signal));
      }
    } catch (err) {
      if (err instanceof DockerError && err.status === 404) {
        // gone between the list and now: normal, not a failure
        this.vanished = true;
        this.unpublish();
        return;
      }
      this.probe.containerFailed(this.name);
      this.unpublish();
      return;
    }
    this.publishState(c);
    if (stats === null) {
      // stopped (or restarting): keeps its state metrics, loses its resource metrics
      this.resources.clear();
      this.previous = undefined;
    } else {
      this.publishResources(c, stats);
    }
  }

  private labels(c: InspectedContainer): Record<string, string> {
    return this.naming === 'docker' ? { name: this.name } : { id: this.id, name: this.name, image: c.Config?.Image ?? '' };
  }

  private publishState(c: InspectedContainer): void {
    const l = this.labels(c);
    const start = startTimeSeconds(c);
    if (this.naming === 'docker') {
      this.state.gauge('docker_container_restart_count', l, c.RestartCount ?? 0);
      this.state.gauge('docker_container_running_state', l, runningState(c));
      if (start !== undefined) this.state.gauge('docker_container_start_time_seconds', l, start);
      this.state.gauge('docker_container_health_state', l, healthState(c));
      const cpus = c.HostConfig?.NanoCpus ?? 0;
      if (cpus > 0) this.state.gauge('docker_container_cpu_limit_cores', l, cpus / 1e9);
      const mem = c.HostConfig?.Memory ?? 0;
      if (mem > 0) this.state.gauge('docker_container_memory_limit_bytes', l, mem);
    } else {
      if (start !== undefined) this.state.gauge('container_start_time_seconds', l, start);
      this.state.gauge('container_last_seen', l, Math.floor(Date.now() / 1000));
      this.state.gauge('container_spec_memory_limit_bytes', l, c.HostConfig?.Memory ?? 0);
    }
  }

  private publishResources(c: InspectedContainer, s: ContainerStats): void {
    const f = resourceFigures(s, this.previous);
    this.previous = { total: f.cpuTotal, system: f.cpuSystem };
    const l = this.labels(c);
    const r = this.resources;
    if (this.naming === 'docker') {
      r.gauge('docker_container_cpu_used_total', l, f.cpuTotal);
      r.gauge('docker_container_cpu_capacity_total', l, f.cpuSystem);
      if (f.cpuCores !== undefined) r.gauge('docker_container_cpu_usage_cores', l, f.cpuCores);
      r.gauge('docker_container_memory_used_bytes', l, f.memoryUsage);
      r.gauge('docker_container_network_in_bytes', l, f.rxTotal);
      r.gauge('docker_container_network_out_bytes', l, f.txTotal);
      r.gauge('docker_container_disk_read_bytes', l, f.readTotal);
      r.gauge('docker_container_disk_write_bytes', l, f.writeTotal);
    } else {
      r.counter('container_cpu_usage_seconds_total', l, f.cpuTotal / 1e9);
      r.gauge('container_memory_usage_bytes', l, f.memoryUsage);
      r.gauge('container_memory_working_set_bytes', l, f.memoryWorkingSet);
      for (const net of f.networks) {
        r.counter('container_network_receive_bytes_total', { ...l, interface: net.name }, net.rx);
        r.counter('container_network_transmit_bytes_total', { ...l, interface: net.name }, net.tx);
      }
      for (const d of f.disks) {
        r.counter('container_fs_reads_bytes_total', { ...l, device: d.device }, d.read);
        r.counter('container_fs_writes_bytes_total', { ...l, device: d.device }, d.write);
      }
    }
  }
}
