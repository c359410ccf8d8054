/**
 * The agent as a cluster primary (`--cluster FILE --cluster-workers N`): forks N workers
 * running FILE, restarts the ones that die (with a backoff, counted) and serves the merge of
 * their metrics and its own on /metrics.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { checkWhole } from '../core/options.js';
import type { Registry } from '../core/registry.js';
import { ClusterAggregator } from '../cluster/index.js';
import { UsageError, needsFeature, wholeFlag } from './usage.js';

/** The cluster part of an agent's config. */
export interface ClusterConfig {
  /** The worker script (it calls `serveClusterMetrics`). */
  file: string;
  /** Workers kept running. */
  workers: number;
}

/** parseArgs options of the cluster flags. */
export const CLUSTER_OPTIONS = {
  cluster: { type: 'string' },
  'cluster-workers': { type: 'string' },
} as const;

/** The help lines of the cluster flags. */
export const CLUSTER_HELP = `Cluster (the agent as a node:cluster primary; see meterkit/cluster):
  --cluster <file>          Fork workers running this script (it calls serveClusterMetrics);
                            /metrics serves the merge of every live worker's metrics and
                            the agent's own; dead workers are restarted with a backoff
  --cluster-workers <n>     Workers to keep running (default: 1 per CPU core; needs --cluster)
`;

/** The cluster flags as a config, or undefined without `--cluster`. */
export function parseClusterFlags(values: { cluster?: string; 'cluster-workers'?: string }, cores: number): ClusterConfig | undefined {
  const n = values['cluster-workers'];
  if (values.cluster === undefined) {
    if (n !== undefined) throw needsFeature('--cluster-workers', 'cluster');
    return undefined;
  }
  if (values.cluster === '') throw new UsageError('--cluster needs the path of the worker script');
  return { file: values.cluster, workers: n === undefined ? defaultClusterWorkers(cores) : wholeFlag('--cluster-workers', n, { min: 1, max: 1024 }) };
}

/** Workers kept running when no number is given: one per CPU core. */
export function defaultClusterWorkers(cores: number = availableParallelism()): number {
  return Math.max(1, cores);
}

/** Counts workers restarted after they died. */
export const WORKER_RESTARTS_METRIC = 'meterkit_cluster_worker_restarts_total';
/** First restart delay, ms; doubled for each death in a row, up to {@link RESTART_MAX_MS}. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 10_000;
/** A worker that lived this long resets its slot's backoff, ms. */
const HEALTHY_MS = 30_000;
/** How long close() lets workers exit before SIGKILL, ms. */
const STOP_GRACE_MS = 5_000;

/** Workers forked and kept running, and the aggregator that serves their metrics. */
export interface ClusterPrimary {
  readonly aggregator: ClusterAggregator;
  /** The live workers, by slot. */
  workers(): Worker[];
  /** Stops restarting, then stops every worker (SIGKILL after a grace period). */
  close(): Promise<void>;
}

/** Forks `config.workers` workers running `config.file` and keeps them running. */
export function startClusterPrimary(config: ClusterConfig, registry: Registry, log: (line: string) => void): ClusterPrimary {
  checkWhole('cluster workers', config.workers);
  if (!cluster.isPrimary) throw new UsageError('--cluster: the agent must be the cluster primary, not a worker');
  cluster.setupPrimary({ exec: resolve(config.file), args: [] });
  registry.describeCounter(WORKER_RESTARTS_METRIC, undefined, 'Cluster workers restarted after they died');
  const aggregator = new ClusterAggregator({ registry, onError: (err) => log(`meterkit cluster: ${err.message}`) });
  const slots: Array<Worker | null> = new Array<Worker | null>(config.workers).fill(null);
  const deaths = new Array<number>(config.workers).fill(0);
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;
  const fork = (slot: number): void => {
    const started = Date.now();
    const w = cluster.fork({ METERKIT_CLUSTER_SLOT: String(slot) });
    slots[slot] = w;
    w.on('exit', (code, signal) => {
      if (slots[slot] === w) slots[slot] = null;
      if (closing) return;
      if (Date.now() - started >= HEALTHY_MS) deaths[slot] = 0;
      const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (deaths[slot] as number));
      deaths[slot] = (deaths[slot] as number) + 1;
      log(`meterkit cluster: worker ${w.id} (slot ${slot}) exited (${signal ?? `code ${String(code)}`}); restarting in ${delay} ms`);
      const t = setTimeout(() => {
        timers.delete(t);
        if (closing) return;
        registry.counter(WORKER_RESTARTS_METRIC).increment();
        fork(slot);
      }, delay);
      t.unref();
      timers.add(t);
    });
  };
  for (let i = 0; i < config.workers; i++) fork(i);
  return {
    aggregator,
    workers: () => slots.filter((w): w is Worker => w !== null),
    close: async () => {
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const live = slots.filter((w): w is Worker => w !== null && !w.isDead());
      await Promise.all(
        live.map(
          (w) =>
            new Promise<void>((done) => {
              const kill = setTimeout(() => w.process.kill('SIGKILL'), STOP_GRACE_MS);
              kill.unref();
              w.once('exit', () => {
                clearTimeout(kill);
                done();
              });
              w.process.kill('SIGTERM');
            }),
        ),
      );
      await aggregator.close();
    },
  };
}
