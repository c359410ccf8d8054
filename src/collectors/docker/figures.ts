/**
 * Pure computations over Docker Engine API responses, for both engines: Docker (cgroup v1 and
 * v2 memory stats, precpu_stats filled when streaming) and Podman's compat API (precpu_stats
 * empty, no memory_stats.stats, extra blkio ops).
 */

/** The parts of `GET /containers/json` used. */
export interface ListedContainer {
  Id: string;
  Names?: string[] | null;
}

/** The parts of `GET /containers/{id}/json` used. */
export interface InspectedContainer {
  Id: string;
  Name?: string;
  RestartCount?: number;
  Config?: { Image?: string } | null;
  HostConfig?: { NanoCpus?: number; Memory?: number } | null;
  State?: {
    Status?: string;
    Running?: boolean;
    Restarting?: boolean;
    StartedAt?: string;
    Health?: { Status?: string } | null;
  } | null;
}

interface CpuStats {
  cpu_usage?: { total_usage?: number } | null;
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** The parts of `GET /containers/{id}/stats?stream=false` used. */
export interface ContainerStats {
  cpu_stats?: CpuStats | null;
  precpu_stats?: CpuStats | null;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> | null } | null;
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }> | null;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ major?: number; minor?: number; op?: string; value?: number }> | null } | null;
}

/** The `name` label: the first name without its leading `/`, else the first 12 characters of the id. */
export function displayName(names: readonly string[] | null | undefined, id: string): string {
  const first = names?.[0];
  if (first !== undefined && first.replace(/^\//, '') !== '') return first.replace(/^\//, '');
  return id.slice(0, 12);
}

/** running 1, restarting 0.5, anything else 0 — decided from `State.Status` first. */
export function runningState(c: InspectedContainer): number {
  const status = c.State?.Status;
  if (status === 'restarting' || (status === undefined && c.State?.Restarting)) return 0.5;
  if (status === 'running' || (status === undefined && c.State?.Running)) return 1;
  return 0;
}

/** healthy 1, starting 0.5, unhealthy 0, no healthcheck −1. */
export function healthState(c: InspectedContainer): number {
  const h = c.State?.Health?.Status;
  if (h === 'healthy') return 1;
  if (h === 'starting') return 0.5;
  if (h === 'unhealthy') return 0;
  return -1;
}

/** Start time in epoch seconds, or undefined when never started. */
export function startTimeSeconds(c: InspectedContainer): number | undefined {
  const s = c.State?.StartedAt;
  if (s === undefined || s === '' || s.startsWith('0001-')) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** The first sample's numbers a tracker keeps for the next CPU rate. */
export interface CpuSample {
  total: number;
  system: number;
}

/** Resource figures of one stats response. */
export interface ResourceFigures {
  cpuTotal: number;
  cpuSystem: number;
  onlineCpus: number;
  /** CPU used in cores since the previous sample (0..onlineCpus), or undefined without two samples. */
  cpuCores: number | undefined;
  memoryUsage: number;
  /** Usage minus inactive file cache (cgroup v2 `inactive_file`, v1 `total_inactive_file`), as cAdvisor. */
  memoryWorkingSet: number;
  memoryLimit: number | undefined;
  networks: Array<{ name: string; rx: number; tx: number }>;
  disks: Array<{ device: string; read: number; write: number }>;
  rxTotal: number;
  txTotal: number;
  readTotal: number;
  writeTotal: number;
}

function n(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * Figures from a stats response. CPU rate: from `precpu_stats` when the engine filled it
 * (Docker, streaming), else from `previous` (Podman, or one-shot stats), else undefined.
 */
export function resourceFigures(s: ContainerStats, previous?: CpuSample): ResourceFigures {
  const cpuTotal = n(s.cpu_stats?.cpu_usage?.total_usage);
  const cpuSystem = n(s.cpu_stats?.system_cpu_usage);
  const onlineCpus = n(s.cpu_stats?.online_cpus) || 1;
  const pre = s.precpu_stats;
  const preSystem = n(pre?.system_cpu_usage);
  const base: CpuSample | undefined = preSystem > 0 ? { total: n(pre?.cpu_usage?.total_usage), system: preSystem } : previous;
  let cpuCores: number | undefined;
  if (base !== undefined && cpuSystem > base.system && cpuTotal >= base.total) {
    cpuCores = ((cpuTotal - base.total) / (cpuSystem - base.system)) * onlineCpus;
  }
  const mem = s.memory_stats ?? {};
  const usage = n(mem.usage);
  const stats = mem.stats ?? {};
  const inactive = n(stats.inactive_file ?? stats.total_inactive_file);
  const limit = n(mem.limit);
  const networks = Object.entries(s.networks ?? {}).map(([name, v]) => ({ name, rx: n(v.rx_bytes), tx: n(v.tx_bytes) }));
  const disksByDevice = new Map<string, { read: number; write: number }>();
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').toLowerCase();
    if (op !== 'read' && op !== 'write') continue; // Podman adds more ops; only these two count
    const device = `${n(e.major)}:${n(e.minor)}`;
    const d = disksByDevice.get(device) ?? { read: 0, write: 0 };
    d[op] += n(e.value);
    disksByDevice.set(device, d);
  }
  const disks = [...disksByDevice].map(([device, d]) => ({ device, ...d }));
  return {
    cpuTotal,
    cpuSystem,
    onlineCpus,
    cpuCores,
    memoryUsage: usage,
    memoryWorkingSet: Math.max(0, usage - inactive),
    memoryLimit: limit > 0 ? limit : undefined,
    networks,
    disks,
    rxTotal: networks.reduce((a, x) => a + x.rx, 0),
    txTotal: networks.reduce((a, x) => a + x.tx, 0),
    readTotal: disks.reduce((a, x) => a + x.read, 0),
    writeTotal: disks.reduce((a, x) => a + x.write, 0),
  };
}
