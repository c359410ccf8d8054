/**
 * The worker side: answers the primary's requests with a snapshot of a metric source.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { checkDuration } from '../core/options.js';
import type { AggregationRule } from './protocol.js';
import { ModeRules, TAG, isOurs } from './protocol.js';
import type { AggregationMode, SnapshotSource } from './snapshot.js';
import { takeSnapshot } from './snapshot.js';

/** What a worker serves: a Registry is one (its collectors run before each snapshot). */
export interface WorkerSource extends SnapshotSource {
  collect?(options?: { inlineTimeout?: number }): Promise<void>;
}

/** Options of {@link serveClusterMetrics}. */
export interface ClusterWorkerOptions {
  /**
   * How the primary combines each family across workers, by name, glob or RegExp
   * (prom-client's `aggregator` option). Default `sum` for every family. The primary may
   * override it with `ClusterAggregator.setAggregation`.
   */
  aggregation?: readonly AggregationRule[];
  /** Hears of an answer that could not be sent (the channel closed). Default: a process warning. */
  onError?: (err: MeterkitError) => void;
}

/** A worker answering its primary; see {@link serveClusterMetrics}. */
export interface ClusterMetricsServer {
  /** Sets how the primary combines the families `match` selects. */
  setAggregation(match: string | RegExp, mode: AggregationMode): void;
  /** Stops answering (removes the message listener, which keeps a worker thread alive). */
  close(): Promise<void>;
}

interface Channel {
  on(listener: (msg: unknown) => void): void;
  off(listener: (msg: unknown) => void): void;
  /** Sends `msg`; `failed` hears of a send that did not go through. */
  send(msg: unknown, failed: (err: Error) => void): void;
}

function channel(): Channel {
  const port = parentPort;
  if (!isMainThread && port !== null) {
    return { on: (l) => port.on('message', l), off: (l) => port.off('message', l), send: (m) => port.postMessage(m) };
  }
  const send = process.send?.bind(process);
  if (send !== undefined) {
    return {
      on: (l) => process.on('message', l),
      off: (l) => process.off('message', l),
      send: (m, failed) =>
        void send(m, undefined, undefined, (err: Error | null) => {
          if (err !== null) failed(err);
        }),
    };
  }
  throw new MeterkitError(ErrorCode.InvalidArgument, 'serveClusterMetrics needs a parent to answer: call it in a cluster worker, a forked child or a worker thread');
}

/**
 * Answers the primary's requests (from a `ClusterAggregator`) with a snapshot of `source`,
 * over the `cluster`/`fork` IPC channel or a worker thread's `parentPort`. Before each snapshot
 * the source's collectors run, within the primary's inline timeout. Messages without meterkit's
 * tag are ignored, so other users of the channel are not disturbed.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` outside a worker, or for a bad rule.
 */
export function serveClusterMetrics(source: WorkerSource, options: ClusterWorkerOptions = {}): ClusterMetricsServer {
  const modes = new ModeRules(options.aggregation);
  const ch = channel();
  const onError =
    options.onError ??
    ((err: MeterkitError) => process.emitWarning(err.message, { code: err.code }));
  const failed = (err: unknown): void =>
    onError(new MeterkitError(ErrorCode.ClusterSnapshot, `cannot answer the primary's metrics request: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
  const answer = async (id: number, inlineTimeout: unknown): Promise<void> => {
    let reply: object;
    try {
      await source.collect?.({ inlineTimeout: checkDuration('inlineTimeout of the request', inlineTimeout) });
      reply = { [TAG]: 'response', id, snapshot: takeSnapshot(source, (name) => modes.get(name) ?? 'sum') };
    } catch (err) {
      reply = { [TAG]: 'response', id, error: err instanceof Error ? err.message : String(err) };
    }
    try {
      ch.send(reply, failed);
    } catch (err) {
      // a closed channel throws at once (a worker thread's port) or calls back (IPC)
      failed(err);
    }
  };
  const listener = (msg: unknown): void => {
    if (!isOurs(msg, 'request')) return;
    const id = msg.id;
    // without a numeric id no answer could be matched: not a request of a primary of ours
    if (typeof id !== 'number') return;
    void answer(id, msg.inlineTimeout);
  };
  ch.on(listener);
  try {
    ch.send({ [TAG]: 'ready' }, failed);
  } catch (err) {
    failed(err);
  }
  return {
    setAggregation: (match, mode) => modes.set(match, mode),
    close: async () => ch.off(listener),
  };
}
