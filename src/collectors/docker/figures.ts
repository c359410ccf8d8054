/**
 * Pure computations over Docker Engine API responses, for both engines: Docker (cgroup v1 and
 * v2 memory stats, precpu_stats filled when streaming) and Podman's compat API (precpu_stats
 * empty, no memory_stats.stats, extra blkio ops).
 *
 * Every answer is read as `unknown` and checked field by field: a field of the wrong type
 * throws a {@link DockerError} naming the field, which fails only the container it belongs to.
 * An absent field is not an error; it yields no figure (never a made-up 0).
 */
import { describeValue } from '../../core/errors.js';
import { DockerError } from './client.js';

/** The parts of `GET /containers/json` used (one entry). */
export interface ListedContainer {
  Id: string;
  Names?: string[] | null;
}

/** The parts of `GET /containers/{id}/json` used. */
export interface InspectedContainer {
  Id: string;
  Name?: string;
  RestartCount?: number;
  Config?: { Image?: string; Labels?: Record<string, string> | null; Env?: string[] | null } | null;
  HostConfig?: { NanoCpus?: number; Memory?: number; CpuQuota?: number; CpuPeriod?: number; CpuShares?: number } | null;
  State?: {
    Status?: string;
    Running?: boolean;
    Restarting?: boolean;
    Pid?: number;
    StartedAt?: string;
    Health?: { Status?: string } | null;
  } | null;
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; usage_in_usermode?: number; usage_in_kernelmode?: number } | null;
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** One interface of `networks` in a stats answer. */
export interface NetworkStats {
  rx_bytes?: number;
  tx_bytes?: number;
  rx_packets?: number;
  tx_packets?: number;
  rx_errors?: number;
  tx_errors?: number;
  rx_dropped?: number;
  tx_dropped?: number;
}

/** The parts of `GET /containers/{id}/stats?stream=false` used. */
export interface ContainerStats {
  cpu_stats?: CpuStats | null;
  precpu_stats?: CpuStats | null;
  memory_stats?: { usage?: number; max_usage?: number; failcnt?: number; limit?: number; stats?: Record<string, number> | null } | null;
  networks?: Record<string, NetworkStats | null> | null;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ major?: number; minor?: number; op?: string; value?: number }> | null } | null;
}

function malformed(path: string, v: unknown, want: string): DockerError {
  return new DockerError(`malformed engine answer: ${path} is ${describeValue(v)}, not ${want}`);
}

/** An object field (undefined when absent or null). */
function obj(v: unknown, path: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw malformed(path, v, 'an object');
  return v as Record<string, unknown>;
}

/** A finite number field (undefined when absent or null). */
function num(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw malformed(path, v, 'a finite number');
  return v;
}

function str(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw malformed(path, v, 'a string');
  return v;
}

function bool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw malformed(path, v, 'a boolean');
  return v;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw malformed(path, v, 'an array');
  return v;
}

/** The id of one container list entry. @throws DockerError when it has none. */
export function containerId(entry: unknown): string {
  const id = str(obj(entry, 'container list entry')?.Id, 'Id');
  if (id === undefined || id === '') throw malformed('Id', id, 'a non-empty string');
  return id;
}

/**
 * The `name` label: the first name without its leading `/`, else the first 12 characters of
 * the id. @throws DockerError when `Names` is not an array of strings.
 */
export function displayName(names: unknown, id: string): string {
  const list = arr(names, 'Names');
  const first = str(list[0], 'Names[0]');
  const trimmed = first?.replace(/^\//, '') ?? '';
  return trimmed !== '' ? trimmed : id.slice(0, 12);
}

/** What one inspect answer says, checked. */
export interface ContainerFacts {
  /** `State.Status` (`running`, `paused`, `exited`…), or undefined on old engines. */
  status: string | undefined;
  /** `State.Running`: true for paused and restarting containers too (docker_exporter's reading). */
  running: boolean;
  restarting: boolean;
  /** The main process id in the engine's pid namespace; 0 when not running. */
  pid: number;
  restartCount: number | undefined;
  image: string;
  /** Epoch seconds, or undefined when never started. */
  startTime: number | undefined;
  /** `State.Health.Status`, or undefined without a health check. */
  health: string | undefined;
  nanoCpus: number;
  memoryLimit: number;
  cpuQuota: number;
  cpuPeriod: number;
  cpuShares: number;
  labels: Record<string, string>;
  env: Record<string, string>;
}

/** Reads an inspect answer. @throws DockerError naming a malformed field. */
export function containerFacts(raw: unknown): ContainerFacts {
  const c = obj(raw, 'inspect answer') ?? {};
  const state = obj(c.State, 'State') ?? {};
  const config = obj(c.Config, 'Config') ?? {};
  const host = obj(c.HostConfig, 'HostConfig') ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(config.Labels, 'Config.Labels') ?? {})) labels[k] = str(v, `Config.Labels.${k}`) ?? '';
  const env: Record<string, string> = {};
  arr(config.Env, 'Config.Env').forEach((e, i) => {
    const kv = str(e, `Config.Env[${i}]`) ?? '';
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  });
  const status = str(state.Status, 'State.Status');
  const running = bool(state.Running, 'State.Running');
  return {
    status,
    // engines without State.Running: derive it from the status (paused and restarting count as running, as Docker says)
    running: running ?? (status === 'running' || status === 'paused' || status === 'restarting'),
    restarting: bool(state.Restarting, 'State.Restarting') ?? status === 'restarting',
    pid: num(state.Pid, 'State.Pid') ?? 0,
    restartCount: num(c.RestartCount, 'RestartCount'),
    image: str(config.Image, 'Config.Image') ?? '',
    startTime: startTimeSeconds(str(state.StartedAt, 'State.StartedAt')),
    health: str(obj(state.Health, 'State.Health')?.Status, 'State.Health.Status'),
    nanoCpus: num(host.NanoCpus, 'HostConfig.NanoCpus') ?? 0,
    memoryLimit: num(host.Memory, 'HostConfig.Memory') ?? 0,
    cpuQuota: num(host.CpuQuota, 'HostConfig.CpuQuota') ?? 0,
    cpuPeriod: num(host.CpuPeriod, 'HostConfig.CpuPeriod') ?? 0,
    cpuShares: num(host.CpuShares, 'HostConfig.CpuShares') ?? 0,
    labels,
    env,
  };
}

/** docker_exporter's reading: `State.Running` 1 (paused and restarting included), else restarting 0.5, else 0. */
export function runningState(f: Pick<ContainerFacts, 'running' | 'restarting'>): number {
  if (f.running) return 1;
  return f.restarting ? 0.5 : 0;
}

/** The states `docker_container_state{state}` always lists (Docker's `State.Status` values). */
export const CONTAINER_STATES: readonly string[] = Object.freeze(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);

/** healthy 1, starting 0.5, unhealthy 0, no healthcheck −1. */
export function healthState(f: Pick<ContainerFacts, 'health'>): number {
  if (f.health === 'healthy') return 1;
  if (f.health === 'starting') return 0.5;
  if (f.health === 'unhealthy') return 0;
  return -1;
}

/** Start time in epoch seconds, or undefined when never started. */
export function startTimeSeconds(s: string | undefined): number | undefined {
  if (s === undefined || s === '' || s.startsWith('0001-')) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** The first sample's numbers a tracker keeps for the next CPU rate. */
export interface CpuSample {
  total: number;
  system: number;
}

/** One interface's figures; a figure the engine did not send is undefined. */
export interface NetworkFigures {
  name: string;
  rx: number;
  tx: number;
  rxPackets: number | undefined;
  txPackets: number | undefined;
  rxErrors: number | undefined;
  txErrors: number | undefined;
  rxDropped: number | undefined;
  txDropped: number | undefined;
}

/** Resource figures of one stats response. Optional figures are undefined when the engine has no source for them. */
export interface ResourceFigures {
  cpuTotal: number;
  cpuSystem: number;
  onlineCpus: number;
  /** CPU used in cores since the previous sample (0..onlineCpus), or undefined without two samples. */
  cpuCores: number | undefined;
  /** `cpu_usage.usage_in_usermode` (ns). */
  cpuUser: number | undefined;
  /** `cpu_usage.usage_in_kernelmode` (ns). */
  cpuKernel: number | undefined;
  memoryUsage: number;
  /** Usage minus inactive file cache (cgroup v2 `inactive_file`, v1 `total_inactive_file`), as cAdvisor. */
  memoryWorkingSet: number;
  memoryLimit: number | undefined;
  /** cgroup v1 `total_rss`, v2 `anon` (as cAdvisor). */
  memoryRss: number | undefined;
  /** cgroup v1 `total_cache`, v2 `file` (as cAdvisor). */
  memoryCache: number | undefined;
  /** cgroup v1 `max_usage` (v2 has none). */
  memoryMaxUsage: number | undefined;
  /** cgroup v1 `failcnt` (v2 has none). */
  memoryFailcnt: number | undefined;
  networks: NetworkFigures[];
  disks: Array<{ major: number; minor: number; read: number; write: number }>;
  rxTotal: number;
  txTotal: number;
  readTotal: number;
  writeTotal: number;
}

function cpuStats(v: unknown, path: string): { total: number | undefined; user: number | undefined; kernel: number | undefined; system: number | undefined; online: number | undefined } {
  const c = obj(v, path) ?? {};
  const u = obj(c.cpu_usage, `${path}.cpu_usage`) ?? {};
  return {
    total: num(u.total_usage, `${path}.cpu_usage.total_usage`),
    user: num(u.usage_in_usermode, `${path}.cpu_usage.usage_in_usermode`),
    kernel: num(u.usage_in_kernelmode, `${path}.cpu_usage.usage_in_kernelmode`),
    system: num(c.system_cpu_usage, `${path}.system_cpu_usage`),
    online: num(c.online_cpus, `${path}.online_cpus`),
  };
}

/**
 * Figures from a stats response. CPU rate: from `precpu_stats` when the engine filled it
 * (Docker, streaming), else from `previous` (Podman, or one-shot stats), else undefined.
 * @throws DockerError naming a malformed field.
 */
export function resourceFigures(raw: unknown, previous?: CpuSample): ResourceFigures {
  const s = obj(raw, 'stats answer') ?? {};
  const cpu = cpuStats(s.cpu_stats, 'cpu_stats');
  const pre = cpuStats(s.precpu_stats, 'precpu_stats');
  const cpuTotal = cpu.total ?? 0;
  const cpuSystem = cpu.system ?? 0;
  const onlineCpus = cpu.online || 1;
  const base: CpuSample | undefined = (pre.system ?? 0) > 0 ? { total: pre.total ?? 0, system: pre.system ?? 0 } : previous;
  let cpuCores: number | undefined;
  if (base !== undefined && cpuSystem > base.system && cpuTotal >= base.total) {
    cpuCores = ((cpuTotal - base.total) / (cpuSystem - base.system)) * onlineCpus;
  }
  const mem = obj(s.memory_stats, 'memory_stats') ?? {};
  const usage = num(mem.usage, 'memory_stats.usage') ?? 0;
  const ms = obj(mem.stats, 'memory_stats.stats') ?? {};
  const stat = (v1: string, v2: string): number | undefined => num(ms[v1], `memory_stats.stats.${v1}`) ?? num(ms[v2], `memory_stats.stats.${v2}`);
  const inactive = stat('total_inactive_file', 'inactive_file') ?? 0;
  const limit = num(mem.limit, 'memory_stats.limit') ?? 0;
  const networks: NetworkFigures[] = Object.entries(obj(s.networks, 'networks') ?? {}).map(([name, raw]) => {
    const p = `networks.${name}`;
    const v = obj(raw, p);
    if (v === undefined) throw malformed(p, raw, 'an object');
    const f = (k: string): number | undefined => num(v[k], `${p}.${k}`);
    return {
      name,
      rx: f('rx_bytes') ?? 0,
      tx: f('tx_bytes') ?? 0,
      rxPackets: f('rx_packets'),
      txPackets: f('tx_packets'),
      rxErrors: f('rx_errors'),
      txErrors: f('tx_errors'),
      rxDropped: f('rx_dropped'),
      txDropped: f('tx_dropped'),
    };
  });
  const disksByDevice = new Map<string, { major: number; minor: number; read: number; write: number }>();
  const blkio = obj(s.blkio_stats, 'blkio_stats') ?? {};
  arr(blkio.io_service_bytes_recursive, 'blkio_stats.io_service_bytes_recursive').forEach((raw, i) => {
    const p = `blkio_stats.io_service_bytes_recursive[${i}]`;
    const e = obj(raw, p) ?? {};
    const op = (str(e.op, `${p}.op`) ?? '').toLowerCase();
    if (op !== 'read' && op !== 'write') return; // Podman adds more ops; only these two count
    const major = num(e.major, `${p}.major`) ?? 0;
    const minor = num(e.minor, `${p}.minor`) ?? 0;
    const key = `${major}:${minor}`;
    const d = disksByDevice.get(key) ?? { major, minor, read: 0, write: 0 };
    d[op] += num(e.value, `${p}.value`) ?? 0;
    disksByDevice.set(key, d);
  });
  const disks = [...disksByDevice.values()];
  return {
    cpuTotal,
    cpuSystem,
    onlineCpus,
    cpuCores,
    cpuUser: cpu.user,
    cpuKernel: cpu.kernel,
    memoryUsage: usage,
    memoryWorkingSet: Math.max(0, usage - inactive),
    memoryLimit: limit > 0 ? limit : undefined,
    memoryRss: stat('total_rss', 'anon'),
    memoryCache: stat('total_cache', 'file'),
    memoryMaxUsage: num(mem.max_usage, 'memory_stats.max_usage'),
    memoryFailcnt: num(mem.failcnt, 'memory_stats.failcnt'),
    networks,
    disks,
    rxTotal: networks.reduce((a, x) => a + x.rx, 0),
    txTotal: networks.reduce((a, x) => a + x.tx, 0),
    readTotal: disks.reduce((a, x) => a + x.read, 0),
    writeTotal: disks.reduce((a, x) => a + x.write, 0),
  };
}
