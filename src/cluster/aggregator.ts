/**
 * The primary side: a metric source that, at each scrape, asks every live worker for a
 * snapshot and serves their merge (with the primary's own registry).
 *
 * Backpressure and failure: every worker is asked at once and given the scrape's inline timeout
 * (or `timeout`, when shorter). A worker that exits or disconnects before it answers, answers
 * with an error or a snapshot that fails the check, or is still silent at the deadline is left
 * out of that scrape and counted in `meterkit_cluster_worker_failures_total{reason}`; the scrape
 * is served with the others. A late answer finds its request gone and is dropped. Concurrent
 * scrapes share one round of requests (single-flight), so a scrape storm does not multiply the
 * snapshots workers build.
 */
import cluster from 'node:cluster';
import type { Worker as ClusterWorker } from 'node:cluster';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import type { FamilyView } from '../core/family.js';
import { checkDuration } from '../core/options.js';
import { Registry } from '../core/registry.js';
import type { SeriesView } from '../core/series.js';
import type { MergedFamily } from './merge.js';
import { mergeSnapshots } from './merge.js';
import type { AggregationRule } from './protocol.js';
import { ModeRules, TAG, isOurs } from './protocol.js';
import type { AggregationMode, ClusterSnapshot } from './snapshot.js';
import { readSnapshot, takeSnapshot } from './snapshot.js';

/** Counts workers left out of a scrape, by reason (`timeout`, `exited`, `error`). */
export const WORKER_FAILURES_METRIC = 'meterkit_cluster_worker_failures_total';
/** Workers asked at the last scrape. */
export const WORKERS_METRIC = 'meterkit_cluster_workers';
/** Counts families left out because workers disagree on them, by metric and reason. */
export const MERGE_CONFLICTS_METRIC = 'meterkit_cluster_merge_conflicts_total';

/** Why a worker was left out of a scrape. */
export type FailureReason = 'timeout' | 'exited' | 'error';

/** Options of a {@link ClusterAggregator}. */
export interface ClusterAggregatorOptions {
  /**
   * The primary's own metrics, merged with the workers' (and where the aggregator counts its
   * failures). Default: a new Registry.
   */
  registry?: Registry;
  /** The longest a worker may take to answer, ms. Default: the scrape's inline timeout. */
  timeout?: number;
  /** Ask the workers of `node:cluster` (`cluster.workers`). Default true. */
  cluster?: boolean;
  /** Modes that override the workers' choice, by name, glob or RegExp. */
  aggregation?: readonly AggregationRule[];
  /** Hears of every worker left out and every family refused. Default: one line on stderr. */
  onError?: (err: MeterkitError) => void;
}

/** One worker of either kind, as the aggregator talks to it. */
interface Target {
  readonly name: string;
  live(): boolean;
  send(msg: unknown, failed: (err: Error) => void): void;
  on(event: 'message' | 'exit' | 'disconnect', fn: (msg: unknown) => void): void;
  off(event: 'message' | 'exit' | 'disconnect', fn: (msg: unknown) => void): void;
}

function clusterTarget(w: ClusterWorker): Target {
  return {
    name: `cluster worker ${w.id} (pid ${String(w.process.pid)})`,
    live: () => w.isConnected() && !w.isDead(),
    send: (m, failed) =>
      void w.send(m as object, undefined, (err: Error | null) => {
        if (err !== null) failed(err);
      }),
    on: (e, fn) => void w.on(e, fn),
    off: (e, fn) => void w.off(e, fn),
  };
}

function threadTarget(w: ThreadWorker, exited: () => boolean): Target {
  return {
    name: `worker thread ${w.threadId}`,
    live: () => !exited(),
    send: (m) => w.postMessage(m),
    on: (e, fn) => void (e === 'disconnect' ? undefined : w.on(e, fn)),
    off: (e, fn) => void (e === 'disconnect' ? undefined : w.off(e, fn)),
  };
}

type Answer = { snapshot: ClusterSnapshot } | { reason: FailureReason; message: string };

/** The primary's source of the cluster's metrics: give it to `createMetricsHandler`. */
export class ClusterAggregator {
  /** The primary's own metrics (merged in), where the aggregator counts too. */
  readonly registry: Registry;
  /** How long a scrape waits (for the primary's collectors and the workers), ms. */
  readonly collectTimeout: number;
  private readonly timeout: number | undefined;
  private readonly useCluster: boolean;
  private readonly overrides: ModeRules;
  private readonly onError: (err: MeterkitError) => void;
  private readonly threads = new Map<ThreadWorker, Target>();
  private nextId = 0;
  private running: Promise<void> | null = null;
  private merged: MergedFamily[] | null = null;
  /**
   * Cluster workers to ask: those that existed when this aggregator was made (they may have
   * said `ready` before it listened), and those that said `ready` since.
   */
  private readonly answering = new Set<number>();
  private readonly onClusterMessage = (w: ClusterWorker, msg: unknown): void => {
    if (isOurs(msg, 'ready')) this.answering.add(w.id);
  };
  private readonly onClusterExit = (w: ClusterWorker): void => void this.answering.delete(w.id);

  constructor(options: ClusterAggregatorOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.collectTimeout = this.registry.collectTimeout;
    this.timeout = options.timeout === undefined ? undefined : checkDuration('timeout', options.timeout);
    this.useCluster = options.cluster ?? true;
    this.overrides = new ModeRules(options.aggregation);
    this.onError = options.onError ?? ((err) => process.stderr.write(`meterkit cluster: ${err.message}\n`));
    this.registry.describeCounter(WORKER_FAILURES_METRIC, undefined, 'Workers left out of a scrape, by reason (timeout, exited, error)');
    this.registry.describeGauge(WORKERS_METRIC, undefined, 'Workers asked for their metrics at the last scrape');
    if (this.useCluster && cluster.isPrimary) {
      // a worker forked from now on is asked once it says it listens: asked before, its request
      // would be lost and the scrape would wait out the timeout. Workers forked earlier are asked.
      for (const w of Object.values(cluster.workers ?? {})) if (w !== undefined) this.answering.add(w.id);
      cluster.on('message', this.onClusterMessage);
      cluster.on('exit', this.onClusterExit);
    }
    this.registry.describeCounter(MERGE_CONFLICTS_METRIC, undefined, 'Families left out of a scrape because workers disagree on their kind, layout or mode');
  }

  /** Sets how the families `match` selects are combined, over whatever the workers chose. */
  setAggregation(match: string | RegExp, mode: AggregationMode): void {
    this.overrides.set(match, mode);
  }

  /**
   * Adds a worker thread to ask at each scrape (it must call `serveClusterMetrics`); it leaves
   * when it exits. Returns a function that removes it.
   */
  addWorker(worker: ThreadWorker): () => void {
    if (typeof worker !== 'object' || worker === null || typeof worker.postMessage !== 'function') {
      throw new MeterkitError(ErrorCode.InvalidArgument, `addWorker takes a worker_threads Worker; got ${describeValue(worker)}`);
    }
    let exited = false;
    const remove = (): void => {
      exited = true;
      this.threads.delete(worker);
    };
    worker.once('exit', remove);
    this.threads.set(worker, threadTarget(worker, () => exited));
    return () => {
      worker.off('exit', remove);
      this.threads.delete(worker);
    };
  }

  /** The merged families of the last scrape (before any: the primary's registry alone). */
  families(): Iterable<FamilyView> {
    return this.merged ?? mergeSnapshots([this.own()], (n) => this.overrides.get(n)).families;
  }

  /** Epoch ms of a series' creation: merged series carry it (the earliest worker's). */
  createdAt(series: SeriesView): number {
    return series.created;
  }

  /**
   * Runs the primary's collectors and asks every live worker for its snapshot, in parallel,
   * then merges. Shares a round under way. Never rejects.
   */
  collect(options: { inlineTimeout?: number } = {}): Promise<void> {
    const inline = options.inlineTimeout ?? this.collectTimeout;
    return (this.running ??= this.round(inline).finally(() => {
      this.running = null;
    }));
  }

  /** Forgets the worker threads added and stops listening to `cluster`; workers keep running. */
  async close(): Promise<void> {
    cluster.off('message', this.onClusterMessage);
    cluster.off('exit', this.onClusterExit);
    this.answering.clear();
    this.threads.clear();
    this.merged = null;
  }

  private targets(): Target[] {
    const out: Target[] = [];
    if (this.useCluster && cluster.isPrimary) {
      for (const w of Object.values(cluster.workers ?? {})) {
        if (w !== undefined && this.answering.has(w.id)) {
          const t = clusterTarget(w);
          if (t.live()) out.push(t);
        }
      }
    }
    for (const t of this.threads.values()) if (t.live()) out.push(t);
    return out;
  }

  private async round(inline: number): Promise<void> {
    const targets = this.targets();
    const wait = Math.min(inline, this.timeout ?? inline);
    const [answers] = await Promise.all([Promise.all(targets.map((t) => this.ask(t, wait))), this.registry.collect({ inlineTimeout: inline })]);
    this.registry.gauge(WORKERS_METRIC).set(targets.length);
    const snapshots: ClusterSnapshot[] = [];
    answers.forEach((a, i) => {
      if ('snapshot' in a) {
        snapshots.push(a.snapshot);
        return;
      }
      this.registry.counter(WORKER_FAILURES_METRIC, { reason: a.reason }).increment();
      this.report(`${(targets[i] as Target).name} left out of the scrape (${a.reason}): ${a.message}`);
    });
    const { families, conflicts } = mergeSnapshots([this.own(), ...snapshots], (n) => this.overrides.get(n));
    for (const c of conflicts) {
      this.registry.counter(MERGE_CONFLICTS_METRIC, { metric: c.metric, reason: c.reason }).increment();
      this.report(c.message);
    }
    this.merged = families;
  }

  private own(): ClusterSnapshot {
    return takeSnapshot(this.registry, (n) => this.overrides.get(n) ?? 'sum');
  }

  private report(message: string): void {
    try {
      this.onError(new MeterkitError(ErrorCode.ClusterSnapshot, message));
    } catch (err) {
      process.emitWarning(`meterkit cluster: the onError hook threw (${err instanceof Error ? err.message : String(err)}) while reporting: ${message}`);
    }
  }

  /** Asks one worker; resolves with its checked snapshot or why there is none. Never rejects. */
  private ask(t: Target, wait: number): Promise<Answer> {
    const id = this.nextId++;
    return new Promise<Answer>((resolve) => {
      const settle = (a: Answer): void => {
        clearTimeout(timer);
        t.off('message', onMessage);
        t.off('exit', onExit);
        t.off('disconnect', onExit);
        resolve(a);
      };
      const onMessage = (msg: unknown): void => {
        if (!isOurs(msg, 'response') || msg.id !== id) return;
        if (typeof msg.error === 'string') {
          settle({ reason: 'error', message: `it answered with an error: ${msg.error}` });
          return;
        }
        try {
          settle({ snapshot: readSnapshot(msg.snapshot) });
        } catch (err) {
          settle({ reason: 'error', message: err instanceof Error ? err.message : String(err) });
        }
      };
      const onExit = (): void => settle({ reason: 'exited', message: 'it exited or disconnected before it answered' });
      t.on('message', onMessage);
      t.on('exit', onExit);
      t.on('disconnect', onExit);
      // declared after settle, which only runs once the timer exists (the earliest is a failed send)
      const timer = setTimeout(() => settle({ reason: 'timeout', message: `no answer within ${wait} ms` }), wait);
      timer.unref();
      const request = { [TAG]: 'request', id, inlineTimeout: wait };
      try {
        t.send(request, (err) => settle({ reason: 'exited', message: `the request could not be sent: ${err.message}` }));
      } catch (err) {
        settle({ reason: 'exited', message: `the request could not be sent: ${err instanceof Error ? err.message : String(err)}` });
      }
    });
  }
}
