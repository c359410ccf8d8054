/**
 * The agent's dashboard: the page at `/`, its assets under `/dashboard/`, its API under
 * `/api/v1/` (all behind the agent's auth and concurrency cap), and `/api/v1/status` filled
 * from what the agent runs.
 */
import type { Recorder } from '../core/recorder.js';
import type { Registry } from '../core/registry.js';
import type { DashboardStatus } from '../dashboard/index.js';
import { DASHBOARD_API_BASE, DASHBOARD_ASSETS_BASE, History, createAssetsHandler, createDashboardApi } from '../dashboard/index.js';
import type { HttpServer } from '../http/server.js';
import { FEATURE_SWITCHES } from './usage.js';

/** The flag and the config key that turn a feature on, as the page shows them. */
function turnOn(feature: keyof typeof FEATURE_SWITCHES): { flag: string; key: string } {
  return { flag: FEATURE_SWITCHES[feature].flag, key: FEATURE_SWITCHES[feature].key };
}

/** What the overview charts: sampled from the start, so the page opens on the last minutes. */
const OVERVIEW_SERIES = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_max_seconds',
  ...['major', 'minor', 'incremental', 'weakcb'].map((kind) => `nodejs_gc_duration_seconds{kind="${kind}"}`),
];

/** The range of the dashboard's limits (`--dashboard-max-clients`, `--dashboard-max-watched`, their keys). */
export const DASHBOARD_LIMIT = { min: 1, max: 1000 } as const;
/** The range of `dashboard.max_watched`: the overview's pinned series and at least one more. */
export const DASHBOARD_WATCHED_LIMIT = { min: OVERVIEW_SERIES.length + 1, max: DASHBOARD_LIMIT.max } as const;

/** Which features the agent runs (what `/api/v1/status` reports). */
export interface DashboardFeatures {
  process: boolean;
  docker: boolean;
  proxy: boolean;
  monitor: boolean;
  notify: boolean;
  stream: boolean;
  version?: string;
}

/** Options of {@link mountDashboard}. */
export interface MountDashboardOptions {
  /** Runs before each sample of the history (the process collector's read). */
  beforeSample?: () => Promise<void>;
  metrics?: Recorder;
  log: (line: string) => void;
  /** Event streams open at once (`createDashboardApi`'s `maxClients`). Default 4. */
  maxClients?: number;
  /** Series the history watches at once (`History`'s `maxWatched`). Default 64. */
  maxWatched?: number;
}

/**
 * Mounts the dashboard on `server`; returns what stops its sampler and event streams.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad `maxClients` or `maxWatched`.
 */
export function mountDashboard(server: HttpServer, registry: Registry, features: () => DashboardFeatures, opts: MountDashboardOptions): { close(): Promise<void> } {
  const metrics = opts.metrics ?? registry;
  const history = new History(registry, {
    maxWatched: opts.maxWatched,
    beforeSample: opts.beforeSample,
    // the one collect-timeout setting of the agent bounds the dashboard's reads as well as
    // scrapes, read at each sample: a reload changes it (Registry.setCollectTimeout)
    sampleTimeout: () => registry.collectTimeout,
    metrics,
    onError: (err) => opts.log(`meterkit dashboard: ${err instanceof Error ? err.message : String(err)}`),
  });
  const status = (): DashboardStatus => {
    const f = features();
    return {
      version: f.version,
      features: {
        process: { on: f.process, ...turnOn('process') },
        docker: { on: f.docker, ...turnOn('docker') },
        proxy: { on: f.proxy, ...turnOn('proxy'), api: f.proxy ? '/servers' : undefined },
        monitor: { on: f.monitor, ...turnOn('monitor'), api: f.monitor ? '/monitor/v1' : undefined },
        notify: { on: f.notify, ...turnOn('notify'), api: f.notify ? '/notify/v1' : undefined },
        stream: { on: f.stream, ...turnOn('stream') },
      },
    };
  };
  const api = createDashboardApi({ registry, history, status, maxClients: opts.maxClients, metrics });
  const assets = createAssetsHandler();
  server.route('/', assets);
  server.routeTree(DASHBOARD_ASSETS_BASE, assets);
  server.routeTree(DASHBOARD_API_BASE, api.handler);
  if (features().process) history.pin(OVERVIEW_SERIES);
  history.start();
  return {
    close: async () => {
      api.close();
      await history.close();
    },
  };
}
