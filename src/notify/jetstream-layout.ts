/**
 * Where the JetStream notification queue keeps things: its options and their defaults, the
 * names of its streams, subjects and consumers, the streams' configuration, and the reading of
 * the dead-letter stream. The queue's behaviour is in jetstream-queue.ts.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { parseNatsServers } from '../core/nats-url.js';
import { checkDuration, checkWhole } from '../core/options.js';
import type { NotifyEvent } from './event.js';
import { pull } from './jetstream-pull.js';
import type { DeadLetter, DeadLetterQuery, DeadLetterReason } from './queue.js';
import { DEFAULT_MAX_PENDING, resolveMaxDeadLetters } from './queue-state.js';

/** Options of {@link JetStreamQueue.open}. */
export interface JetStreamQueueOptions {
  /** `nats://host:port`, comma-separated for several (no credentials). */
  servers: string;
  /** The events stream. Default `METERKIT_NOTIFY`; the dead letters' is this plus `_DEAD`. */
  stream?: string;
  /** Subject prefix. Default `meterkit.notify`: events on `<prefix>.events.<endpoint>`, dead letters on `<prefix>.dead.<endpoint>`. */
  subjectPrefix?: string;
  /** ms a worker holds a leased event without renewing before the server redelivers it. Default 30 000. */
  ackWait?: number;
  /** Most events one endpoint's consumer has leased at once, all workers together. Default 1000. */
  maxAckPending?: number;
  /** Most events per endpoint in the stream (the server refuses more). Default 1 000 000. */
  maxPending?: number;
  /**
   * Most dead letters per endpoint in the dead-letter stream: past it the server discards the
   * oldest (counted, best known, by the process that adds them). Default: maxPending. The
   * stream's limit is set to it at every open (the last process to open decides).
   */
  maxDeadLetters?: number;
  /** ms within which a re-appended event id is stored once. Default 120 000. */
  duplicateWindow?: number;
  /** ms a worker's pull waits for new events before asking again. Default 1000. */
  pollInterval?: number;
  /** ms between refreshes of pending and dead-letter figures from the server. Default 5000. */
  refreshInterval?: number;
  /** ms a JetStream request (publish, ack, admin) may take. Default 5000. */
  timeout?: number;
  /** Connection name shown by the server. Default `meterkit-notify`. */
  name?: string;
  /** Failures of background work (refreshes, a message that is not an event). Default: the Broadcaster's `onError`, else a process warning. */
  onError?: (err: Error) => void;
}

/** The options with every default filled in (but the connection's). */
export type JetStreamLayout = Required<Omit<JetStreamQueueOptions, 'servers' | 'name' | 'onError'>>;

const NAME = /^[A-Za-z0-9_-]{1,32}$/;
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * An endpoint's name as one subject token: a name may hold dots (`a.b`, `a..b`, `a.`), which
 * would split it into several tokens or empty ones, so `_` is written `__` and `.` `_d`.
 */
export function subjectToken(endpoint: string): string {
  return endpoint.replace(/_/g, '__').replace(/\./g, '_d');
}

/** The endpoint a {@link subjectToken} stands for. */
export function endpointOfToken(token: string): string {
  return token.replace(/_(_|d)/g, (_m, c: string) => (c === '_' ? '_' : '.'));
}

/** The durable consumer's name of an endpoint. */
export function consumerName(endpoint: string): string {
  return `notify_${subjectToken(endpoint)}`;
}

/** An error's message. */
export const text = (err: unknown): string => (err instanceof Error ? err.message : String(err));
/** `ERR_METERKIT_NOTIFY_QUEUE` with `what` and the cause's message. */
export const queueError = (what: string, err: unknown): MeterkitError => new MeterkitError(ErrorCode.NotifyQueue, `${what}: ${text(err)}`, { cause: err });

/**
 * Checks the options and fills in the defaults.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad value.
 */
export function resolveJetStreamOptions(options: JetStreamQueueOptions): JetStreamLayout & { servers: string[]; onError: ((err: Error) => void) | undefined } {
  const servers = parseNatsServers(options.servers);
  const stream = options.stream ?? 'METERKIT_NOTIFY';
  const subjectPrefix = options.subjectPrefix ?? 'meterkit.notify';
  const maxPending = checkWhole('maxPending', options.maxPending ?? DEFAULT_MAX_PENDING);
  if (!NAME.test(stream)) throw new MeterkitError(ErrorCode.InvalidArgument, `invalid JetStream stream ${JSON.stringify(stream)}: use 1 to 32 letters, digits, _ or -`);
  if (!PREFIX.test(subjectPrefix)) throw new MeterkitError(ErrorCode.InvalidArgument, `invalid subject prefix ${JSON.stringify(subjectPrefix)}: use dot-separated tokens of letters, digits, _ or -`);
  return {
    servers,
    stream,
    subjectPrefix,
    ackWait: checkDuration('ackWait', options.ackWait ?? 30_000),
    maxAckPending: checkWhole('maxAckPending', options.maxAckPending ?? 1000),
    maxPending,
    maxDeadLetters: resolveMaxDeadLetters(options.maxDeadLetters, maxPending),
    duplicateWindow: checkDuration('duplicateWindow', options.duplicateWindow ?? 120_000),
    pollInterval: checkDuration('pollInterval', options.pollInterval ?? 1000),
    refreshInterval: checkDuration('refreshInterval', options.refreshInterval ?? 5000),
    timeout: checkDuration('timeout', options.timeout ?? 5000),
    onError: options.onError,
  };
}

/** The subject of an endpoint's events or dead letters; without an endpoint, all of them (`>`). */
export function subjectOf(o: JetStreamLayout, kind: 'events' | 'dead', endpoint?: string): string {
  return `${o.subjectPrefix}.${kind}.${endpoint === undefined ? '>' : subjectToken(endpoint)}`;
}

/** The endpoint whose events or dead letters `subject` holds. */
export function endpointOfSubject(o: JetStreamLayout, kind: 'events' | 'dead', subject: string): string {
  return endpointOfToken(subject.slice(o.subjectPrefix.length + kind.length + 2));
}

/** The dead-letter stream's name. */
export function deadStreamOf(o: JetStreamLayout): string {
  return `${o.stream}_DEAD`;
}

/** Creates the events and dead-letter streams when missing. */
export async function ensureStreams(jsm: JetStreamManager, o: JetStreamLayout): Promise<void> {
    const base = { storage: StorageType.File, num_replicas: 1, duplicate_window: o.duplicateWindow * 1_000_000 };
    await ensure(jsm, { ...base, name: o.stream, subjects: [subjectOf(o, 'events')], retention: RetentionPolicy.Workqueue, discard: DiscardPolicy.New, max_msgs_per_subject: o.maxPending, discard_new_per_subject: true });
    // limits retention, discard old: past maxDeadLetters on an endpoint's subject the server drops its oldest
    await ensure(jsm, { ...base, name: deadStreamOf(o), subjects: [subjectOf(o, 'dead')], retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old, max_msgs_per_subject: o.maxDeadLetters }, true);
  }

async function ensure(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0] & { name: string; max_msgs_per_subject?: number }, setLimit = false): Promise<void> {
    let limit: number;
    try {
      limit = (await jsm.streams.info(config.name)).config.max_msgs_per_subject;
    } catch (infoErr) {
      // not there: add it (an identical add by another process at the same time is accepted)
      try {
        await jsm.streams.add(config);
      } catch (err) {
        throw queueError(`cannot find (${text(infoErr)}) or create JetStream stream ${config.name}`, err);
      }
      return;
    }
    // a stream made before the bound existed (or with another one) gets this process's
    if (setLimit && config.max_msgs_per_subject !== undefined && limit !== config.max_msgs_per_subject) {
      try {
        await jsm.streams.update(config.name, { max_msgs_per_subject: config.max_msgs_per_subject });
      } catch (err) {
        throw queueError(`cannot set max_msgs_per_subject of JetStream stream ${config.name} to ${config.max_msgs_per_subject}`, err);
      }
    }
  }


const decoder = new TextDecoder();

/** Every dead letter matching `q` (at most `limit`), oldest first, with its sequence in the dead-letter stream. */
  /** Every dead letter matching `q`, with its sequence in the dead-letter stream. */
export async function scanDeadLetters(nc: NatsConnection, jsm: JetStreamManager, o: JetStreamLayout, q: DeadLetterQuery, limit: number): Promise<Array<DeadLetter & { seq: number }>> {
    const name = `notify_scan_${Math.random().toString(36).slice(2, 10)}`;
    const filter = subjectOf(o, 'dead', q.endpoint);
    await jsm.consumers.add(deadStreamOf(o), { name, filter_subject: filter, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 60_000_000_000 });
    const ids = q.ids === undefined ? undefined : new Set(q.ids);
    const out: Array<DeadLetter & { seq: number }> = [];
    try {
      for (let more = true; more && out.length < limit; ) {
        let n = 0;
        await pull(nc, deadStreamOf(o), name, 256, undefined, (m) => {
          n++;
          const d = JSON.parse(decoder.decode(m.data)) as { event: NotifyEvent; reason: DeadLetterReason; at: number };
          if ((ids === undefined || ids.has(d.event.id)) && out.length < limit) out.push({ endpoint: endpointOfSubject(o, 'dead', m.subject), event: d.event, reason: d.reason, at: d.at, seq: m.seq });
        });
        more = n === 256;
      }
    } finally {
      // a consumer left behind (the server gone) removes itself after a minute unused
      await jsm.consumers.delete(deadStreamOf(o), name).catch((err: unknown) => err);
    }
    return out;
  }

