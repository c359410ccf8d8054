/**
 * The primary side: a metric source that, at each scrape, asks every live worker for a
 * snapshot and serves their merge (with the primary's own registry).
 *
 * Backpressure and failure: every worker is asked at once and given the scrape's inline timeout
 * (or `timeout`, when shorter). A worker that exits or disconnects before it answers, answers
 * with an error or a snapshot that fails the check or exceeds `maxSnapshotSeries` /
 * `maxSnapshotBytes`, or is still silent at the deadline is left
 * out of that scrape and counted in `meterkit_cluster_worker_failures_total{reason}`; the scrape
 * is served with the others. A late answer finds its request gone and is dropped. Concurrent
 * scrapes share one round of requests (single-flight), so a scrape storm does not multiply the
 * snapshots workers build.
 */
import cluster from 'node:cluster';
import type { Worker as ClusterWorker } from 'node:cluster';
import type { ChildProcess } from 'node:child_process';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import type { FamilyView } from '../core/family.js';
import { checkDuration, checkWhole } from '../core/options.js';
import { Registry } from '../core/registry.js';
import type { SeriesView } from '../core/series.js';
import type { MergedFamily } from './merge.js';
import { mergeSnapshots } from './merge.js';
import type { AggregationRule } from './protocol.js';
import { ModeRules, PRIMARY_ENV, TAG, isOurs } from './protocol.js';
import type { AggregationMode, ClusterSnapshot, SnapshotLimits } from './snapshot.js';
import { DEFAULT_SNAPSHOT_LIMITS, SnapshotTooLargeError, readSnapshot, takeSnapshot } from './snapshot.js';

/** Counts workers left out of a scrape, by reason (`timeout`, `exited`, `error`, `too_large`). */
export const WORKER_FAILURES_METRIC = 'meterkit_cluster_worker_failures_total';
/** Workers asked at the last scrape. */
export const WORKERS_METRIC = 'meterkit_cluster_workers';
/** Counts families left out because workers disagree on them, by metric and reason. */
export const MERGE_CONFLICTS_METRIC = 'meterkit_cluster_merge_conflicts_total';

/** Why a worker was left out of a scrape. */
export type FailureReason = 'timeout' | 'exited' | 'error' | 'too_large';

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
  /** The most series the primary takes from one worker's snapshot (more: left out, `too_large`). Default 500 000. */
  maxSnapshotSeries?: number;
  /** The largest snapshot (approximate encoded bytes) taken from one worker. Default 128 MiB. */
  maxSnapshotBytes?: number;
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

function childTarget(c: ChildProcess, exited: () => boolean): Target {
  return {
    name: `child process ${String(c.pid)}`,
    live: () => !exited() && c.connected,
    send: (m, failed) =>
      void c.send(m as object, (err: Error | null) => {
        if (err !== null) failed(err);
      }),
    on: (e, fn) => void c.on(e, fn),
    off: (e, fn) => void c.off(e, fn),
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
  private readonly timeout: number | undefined;
  private readonly useCluster: boolean;
  private readonly overrides: ModeRules;
  private readonly onError: (err: MeterkitError) => void;
  private readonly limits: SnapshotLimits;
  /** Workers added with addWorker (threads and forked children). */
  private readonly added = new Map<ThreadWorker | ChildProcess, Target>();
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

  /** How long a scrape waits (for the primary's collectors and the workers), ms: the registry's, read per scrape (a reload may change it). */
  get collectTimeout(): number {
    return this.registry.collectTimeout;
  }

  constructor(options: ClusterAggregatorOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.timeout = options.timeout === undefined ? undefined : checkDuration('timeout', options.timeout);
    this.useCluster = options.cluster ?? true;
    this.overrides = new ModeRules(options.aggregation);
    this.limits = {
      maxSeries: options.maxSnapshotSeries === undefined ? DEFAULT_SNAPSHOT_LIMITS.maxSeries : checkWhole('maxSnapshotSeries', options.maxSnapshotSeries, { min: 1 }),
      maxBytes: options.maxSnapshotBytes === undefined ? DEFAULT_SNAPSHOT_LIMITS.maxBytes : checkWhole('maxSnapshotBytes', options.maxSnapshotBytes, { min: 1 }),
    };
    this.onError = options.onError ?? ((err) => process.stderr.write(`meterkit cluster: ${err.message}\n`));
    this.registry.describeCounter(WORKER_FAILURES_METRIC, undefined, 'Workers left out of a scrape, by reason (timeout, exited, error, too_large)');
    this.registry.describeGauge(WORKERS_METRIC, undefined, 'Workers asked for their metrics at the last scrape');
    // processes forked from now on learn their parent is a meterkit primary (see worker.ts announce)
    process.env[PRIMARY_ENV] = String(process.pid);
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
   * Adds a worker to ask at each scrape (it must call `serveClusterMetrics`): a worker_threads
   * Worker, or a ChildProcess with an IPC channel (`child_process.fork`, a process manager's
   * own workers). It leaves when it exits. Returns a function that removes it.
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` for anything else.
   */
  addWorker(worker: ThreadWorker | ChildProcess): () => void {
    let exited = false;
    let target: Target;
    if (typeof worker === 'object' && worker !== null && typeof (worker as ThreadWorker).postMessage === 'function') {
      target = threadTarget(worker as ThreadWorker, () => exited);
    } else if (typeof worker === 'object' && worker !== null && typeof (worker as ChildProcess).send === 'function' && typeof (worker as ChildProcess).on === 'function') {
      target = childTarget(worker as ChildProcess, () => exited);
    } else {
      throw new MeterkitError(ErrorCode.InvalidArgument, `addWorker takes a worker_threads Worker or a ChildProcess with an IPC channel (child_process.fork); got ${describeValue(worker)}`);
    }
    const remove = (): void => {
      exited = true;
      this.added.delete(worker);
    };
    worker.once('exit', remove);
    this.added.set(worker, target);
    return () => {
      worker.off('exit', remove);
      this.added.delete(worker);
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

  /** Forgets the workers added and stops listening to `cluster`; workers keep running. */
  async close(): Promise<void> {
    cluster.off('message', this.onClusterMessage);
    cluster.off('exit', this.onClusterExit);
    this.answering.clear();
    this.added.clear();
    this.merged = null;
  }

  private targets(): Target[] {
    const out: Target[] = [];
    if (this.useCluster && cluster.isPrimary) {
      for (const w of Object.values(cluster.workers ?? {})) {
        if (w === undefined) continue;
        const t = clusterTarget(w);
        if (!t.live()) continue;
        if (this.answering.has(w.id)) out.push(t);
        // not heard from (its environment lacked PRIMARY_ENV): one that serves answers `ready`
        // a hello that fails to go out changes nothing: the worker is not asked either way
        else t.send({ [TAG]: 'hello' }, () => undefined);
      }
    }
    for (const t of this.added.values()) if (t.live()) out.push(t);
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
          settle({ snapshot: readSnapshot(msg.snapshot, this.limits) });
        } catch (err) {
          settle({ reason: err instanceof SnapshotTooLargeError ? 'too_large' : 'error', message: err instanceof Error ? err.message : String(err) });
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
