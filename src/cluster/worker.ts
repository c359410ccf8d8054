/**
 * The worker side: answers the primary's requests with a snapshot of a metric source.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { checkDuration } from '../core/options.js';
import { sharedState } from '../core/shared-state.js';
import type { AggregationRule } from './protocol.js';
import { ModeRules, PRIMARY_ENV, TAG, isOurs } from './protocol.js';
import type { AggregationMode, ClusterSnapshot, FamilySnapshot, SnapshotSource } from './snapshot.js';
import { encodeSnapshot, takeSnapshot } from './snapshot.js';

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
  /** True for a `cluster`/`fork` IPC channel (a primary that is not meterkit's may read it). */
  readonly ipc: boolean;
  on(listener: (msg: unknown) => void): void;
  off(listener: (msg: unknown) => void): void;
  /** Sends `msg`; `failed` hears of a send that did not go through. */
  send(msg: unknown, failed: (err: Error) => void): void;
}

function channel(): Channel {
  const port = parentPort;
  if (!isMainThread && port !== null) {
    return { ipc: false, on: (l) => port.on('message', l), off: (l) => port.off('message', l), send: (m) => port.postMessage(m) };
  }
  const send = process.send?.bind(process);
  if (send !== undefined) {
    return {
      ipc: true,
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

/** One `serveClusterMetrics` call: its source, its modes and where its failures go. */
interface Served {
  readonly source: WorkerSource;
  readonly modes: ModeRules;
  readonly onError: (err: MeterkitError) => void;
}

/**
 * The one answering server of a process (of a thread: `globalThis` is per thread). Every
 * `serveClusterMetrics` call (the application's, meterkit/prom-client's, the CommonJS and the
 * ES module copies') adds its source here, and each request gets ONE answer with all of them:
 * two servers would both answer the same request id and the primary would keep only the first.
 */
interface ProcessServer {
  served: Served[];
  channel: Channel | null;
  listener: ((msg: unknown) => void) | null;
  /** The parent sent us a message of ours: it is a meterkit primary. */
  spoken: boolean;
}

const server = sharedState<ProcessServer>('cluster.worker-server', () => ({ served: [], channel: null, listener: null, spoken: false }));

function report(s: Served, message: string, cause?: unknown): void {
  s.onError(new MeterkitError(ErrorCode.ClusterSnapshot, message, cause === undefined ? undefined : { cause }));
}

function send(ch: Channel, msg: object): void {
  const failed = (err: unknown): void => {
    for (const s of server.served) report(s, `cannot answer the primary's metrics request: ${err instanceof Error ? err.message : String(err)}`, err);
  };
  try {
    ch.send(msg, failed);
  } catch (err) {
    // a closed channel throws at once (a worker thread's port) or calls back (IPC)
    failed(err);
  }
}

/** Every source's snapshot as one: a family already given by an earlier source is left out and reported. */
async function snapshotAll(inlineTimeout: unknown): Promise<ClusterSnapshot> {
  const wait = checkDuration('inlineTimeout of the request', inlineTimeout);
  const served = [...server.served];
  await Promise.all(served.map((s) => s.source.collect?.({ inlineTimeout: wait })));
  const families: FamilySnapshot[] = [];
  const seen = new Set<string>();
  for (const s of served) {
    for (const f of takeSnapshot(s.source, (name) => s.modes.get(name) ?? 'sum').families) {
      if (seen.has(f.name)) {
        report(s, `"${f.name}" is served by two sources in this worker: the second is left out of the answer`);
        continue;
      }
      seen.add(f.name);
      families.push(f);
    }
  }
  return { families };
}

async function answer(ch: Channel, id: number, inlineTimeout: unknown): Promise<void> {
  let reply: object;
  try {
    reply = { [TAG]: 'response', id, snapshot: encodeSnapshot(await snapshotAll(inlineTimeout)) };
  } catch (err) {
    reply = { [TAG]: 'response', id, error: err instanceof Error ? err.message : String(err) };
  }
  send(ch, reply);
}

/**
 * Says `ready` over IPC only to a primary known to be meterkit's: one that spoke to us, or the
 * parent a ClusterAggregator marked in the environment it forks with ({@link PRIMARY_ENV}). Any
 * other primary (prom-client's, PM2, the application's own) never hears from us unasked.
 * A worker thread never says it: a thread's port queues requests until it listens.
 */
function announce(ch: Channel): void {
  if (ch.ipc && (server.spoken || process.env[PRIMARY_ENV] === String(process.ppid))) send(ch, { [TAG]: 'ready' });
}

function listen(): Channel {
  if (server.channel !== null) return server.channel;
  const ch = channel();
  const listener = (msg: unknown): void => {
    if (isOurs(msg, 'hello')) {
      server.spoken = true;
      send(ch, { [TAG]: 'ready' });
      return;
    }
    if (!isOurs(msg, 'request')) return;
    server.spoken = true;
    const id = msg.id;
    // without a numeric id no answer could be matched: not a request of a primary of ours
    if (typeof id !== 'number') return;
    void answer(ch, id, msg.inlineTimeout);
  };
  ch.on(listener);
  server.channel = ch;
  server.listener = listener;
  return ch;
}

/**
 * Answers the primary's requests (from a `ClusterAggregator`) with a snapshot of `source`,
 * over the `cluster`/`fork` IPC channel or a worker thread's `parentPort`. Before each snapshot
 * the source's collectors run, within the primary's inline timeout. Messages without meterkit's
 * tag are ignored, so other users of the channel are not disturbed.
 *
 * A process answers once for all its sources: a second call (meterkit/prom-client's worker
 * side, another library) adds its source to the same answer, and a family name two sources
 * both serve is taken from the first and reported to the second's `onError`.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` outside a worker, or for a bad rule.
 */
export function serveClusterMetrics(source: WorkerSource, options: ClusterWorkerOptions = {}): ClusterMetricsServer {
  const modes = new ModeRules(options.aggregation);
  const ch = listen();
  const served: Served = { source, modes, onError: options.onError ?? ((err: MeterkitError) => process.emitWarning(err.message, { code: err.code })) };
  server.served.push(served);
  announce(ch);
  return {
    setAggregation: (match, mode) => modes.set(match, mode),
    close: async () => {
      const i = server.served.indexOf(served);
      if (i >= 0) server.served.splice(i, 1);
      // the last source gone: stop listening (the listener keeps a worker thread alive)
      if (server.served.length === 0 && server.channel !== null && server.listener !== null) {
        server.channel.off(server.listener);
        server.channel = null;
        server.listener = null;
      }
    },
  };
}
