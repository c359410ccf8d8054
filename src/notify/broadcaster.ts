/**
 * The Broadcaster: what applications (and the agent) write events to. It checks every event,
 * fills in ids, timestamps and the source, and appends each event to the list of every
 * endpoint whose ignore rules let it through, in one all-or-nothing append to the queue.
 * {@link Broadcaster.write} resolves once the queue has stored the events (committed to disk
 * for the durable queue); the endpoints' senders deliver them from there.
 *
 * Producers and workers: with `deliver: false` a broadcaster only appends (a producer); a
 * broadcaster on a shared queue (NATS JetStream) that is never written to is a worker. Both
 * must be given the same endpoint names, since the queue's lists are keyed by them.
 */
import { hostname } from 'node:os';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { NoopRecorder } from '../core/recorder.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Endpoint, EndpointVars } from './endpoint.js';
import { Endpoint as EndpointImpl } from './endpoint.js';
import type { EndpointConfig } from './endpoint-config.js';
import { resolveEndpointConfig } from './endpoint-config.js';
import type { EventInput, EventSource, NotifyEvent } from './event.js';
import { normalizeEvent } from './event.js';
import { JetStreamQueue } from './jetstream-queue.js';
import type { JetStreamQueueOptions } from './jetstream-queue.js';
import { MemoryQueue } from './memory-queue.js';
import type { NotifyMetricsTarget } from './metrics.js';
import { describeNotifyMetrics } from './metrics.js';
import type { DeadLetter, DeadLetterQuery, EndpointEvents, NotifyQueue } from './queue.js';
import { SqliteQueue } from './sqlite-queue.js';

/** Options of a {@link Broadcaster}. */
export interface BroadcasterOptions {
  /** The queue (one per broadcaster, closed with it). Default: a new lossy {@link MemoryQueue}. */
  queue?: NotifyQueue;
  /** The endpoints; names must be unique. */
  endpoints: readonly EndpointConfig[];
  /** The `source` of events that bring none. Default `{instance: os.hostname(), addr: os.hostname()}`. */
  source?: EventSource;
  /** Where the `meterkit_notifications_*` metrics go (a Registry sets the histograms' buckets). Default: nowhere. */
  recorder?: NotifyMetricsTarget;
  /** Time and timers (backoff, maxWait, Retry-After dates, timestamps). Default the system clock. */
  clock?: Clock;
  /** Random numbers in [0, 1) for the backoff's jitter. Default `Math.random`. */
  random?: () => number;
  /** False: append only, never send (a producer in front of a shared queue). Default true. */
  deliver?: boolean;
  /** Errors of the background senders (a failing queue). Default: a process warning. */
  onError?: (err: Error) => void;
}

/** Options of {@link openBroadcaster}: a broadcaster on a queue it opens itself. */
export interface OpenBroadcasterOptions extends Omit<BroadcasterOptions, 'queue'> {
  /** `sqlite` (default: durable, in `stateDir`), `memory` (lossy) or `nats` (JetStream, shared by workers: give `nats`). */
  queue?: 'sqlite' | 'memory' | 'nats';
  /** The JetStream queue's options (`servers` at least), for `queue: 'nats'`. */
  nats?: JetStreamQueueOptions;
  /** Directory of the durable queue (required for `sqlite`). */
  stateDir?: string;
  /** The durable queue's fsync policy (see SqliteQueueOptions): `normal` (default) survives any crash of the process, `full` also a power cut. */
  synchronous?: 'full' | 'normal';
  /** Most events held per endpoint. Default 1 000 000. */
  maxPending?: number;
  /** Most dead letters held per endpoint, in every kind of queue; past it the oldest are dropped and counted. Default: maxPending. */
  maxDeadLetters?: number;
}

/** The `notifications` object of `/debug/vars`: `{endpoints: [...]}`, distribution's layout. */
export interface NotificationsVars {
  endpoints: EndpointVars[];
}

/**
 * Refuses a write holding one id twice: receivers dedupe by id and JetStream stores an id once
 * per duplicate window, so the second event would be lost on one queue and delivered on another.
 * @throws MeterkitError `ERR_METERKIT_INVALID_EVENT` naming the second event and the id.
 */
function uniqueIds(events: readonly NotifyEvent[]): void {
  if (events.length < 2) return;
  const seen = new Map<string, number>();
  events.forEach((e, i) => {
    const first = seen.get(e.id);
    if (first !== undefined) throw new MeterkitError(ErrorCode.InvalidEvent, `invalid event (event ${i}): id ${JSON.stringify(e.id)}: event ${first} of the same write has it: ids must be unique within a write`);
    seen.set(e.id, i);
  });
}

/** A resolved endpoint configuration as comparable text (sets as lists, bytes as hex). */
function fingerprint(c: unknown): string {
  return JSON.stringify(c, (_k, v: unknown) => (v instanceof Set ? [...(v as Set<unknown>)] : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

/** See the file comment. */
export class Broadcaster {
  private readonly queue: NotifyQueue;
  private list: Endpoint[];
  private readonly ctx: ConstructorParameters<typeof EndpointImpl>[1];
  private readonly deliver: boolean;
  private readonly source: EventSource;
  private readonly now: () => number;
  private closed: Promise<void> | undefined;

  /** @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad endpoint configuration or a repeated name. */
  constructor(options: BroadcasterOptions) {
    const configs = options.endpoints.map(resolveEndpointConfig);
    const names = new Set<string>();
    for (const c of configs) {
      if (names.has(c.name)) throw new MeterkitError(ErrorCode.InvalidArgument, `invalid endpoints: the name "${c.name}" is used twice`);
      names.add(c.name);
    }
    this.source = options.source ?? { instance: hostname(), addr: hostname() };
    normalizeEvent({ action: 'check', target: { type: 'check', id: 'check' }, source: this.source }, this.source);
    this.queue = options.queue ?? new MemoryQueue();
    const clock = options.clock ?? systemClock;
    this.now = () => clock.now();
    const recorder = options.recorder ?? new NoopRecorder();
    describeNotifyMetrics(recorder);
    const onError = options.onError ?? ((err: Error) => process.emitWarning(err));
    this.queue.reportTo?.(onError);
    const ctx = { queue: this.queue, clock, recorder, random: options.random ?? Math.random, onError };
    this.ctx = ctx;
    this.deliver = options.deliver !== false;
    this.list = configs.map((c) => new EndpointImpl(c, ctx));
    if (this.deliver) for (const e of this.list) e.start();
  }

  /**
   * Replaces the endpoints while running, keeping every queued event: an endpoint whose
   * configuration is unchanged goes on untouched; a changed one is stopped (a request under
   * way finishes and is settled) and started again with the new configuration on the same
   * list of the queue; a new one starts; a removed one stops, and its events stay queued (on
   * disk for the durable queue) until an endpoint of that name is configured again.
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad configuration or a repeated name (nothing changed then).
   */
  async reconfigure(endpoints: readonly EndpointConfig[]): Promise<void> {
    if (this.closed !== undefined) throw new MeterkitError(ErrorCode.NotifyQueue, 'the broadcaster is closed');
    const configs = endpoints.map(resolveEndpointConfig);
    const names = new Set<string>();
    for (const c of configs) {
      if (names.has(c.name)) throw new MeterkitError(ErrorCode.InvalidArgument, `invalid endpoints: the name "${c.name}" is used twice`);
      names.add(c.name);
    }
    const keep = new Set<Endpoint>();
    const next = configs.map((c) => {
      const old = this.list.find((e) => e.name === c.name);
      if (old !== undefined && fingerprint(old.config) === fingerprint(c)) {
        keep.add(old);
        return old;
      }
      return new EndpointImpl(c, this.ctx);
    });
    await Promise.all(this.list.filter((e) => !keep.has(e)).map((e) => e.close()));
    this.list = next;
    if (this.deliver) for (const e of next) if (!keep.has(e)) e.start();
  }

  /** The endpoints, in configuration order. */
  endpoints(): readonly Endpoint[] {
    return this.list;
  }

  /** The queue's kind (`memory`, `sqlite`, …) and whether it is durable. */
  get queueKind(): { kind: string; durable: boolean } {
    return { kind: this.queue.kind, durable: this.queue.durable };
  }

  /**
   * Checks events, fills in `id` (kept when given), `timestamp` and `source`, and stores them
   * for every endpoint that does not ignore their action. Resolves with the events as stored,
   * once the queue holds them (committed, for a durable queue). All or nothing: one bad event
   * and none is stored.
   * @throws MeterkitError `ERR_METERKIT_INVALID_EVENT` naming the event's index, the field, the value and the rule;
   * `ERR_METERKIT_NOTIFY_QUEUE_FULL` when an endpoint's list is full; `ERR_METERKIT_NOTIFY_QUEUE` when closed or the queue fails.
   */
  async write(events: EventInput | readonly EventInput[]): Promise<NotifyEvent[]> {
    if (this.closed !== undefined) throw new MeterkitError(ErrorCode.NotifyQueue, 'the broadcaster is closed');
    const list: readonly unknown[] = Array.isArray(events) ? events : [events];
    const many = Array.isArray(events);
    const out = list.map((e, i) => normalizeEvent(e, this.source, many ? i : undefined, this.now));
    uniqueIds(out);
    const batches: EndpointEvents[] = [];
    const dropped: Array<[Endpoint, string[]]> = [];
    for (const ep of this.list) {
      const accepted = out.filter((e) => ep.accepts(e.action));
      if (accepted.length > 0) batches.push({ endpoint: ep.name, events: accepted });
      if (accepted.length < out.length) dropped.push([ep, out.filter((e) => !ep.accepts(e.action)).map((e) => e.action)]);
    }
    if (batches.length > 0) await this.queue.append(batches);
    for (const [ep, actions] of dropped) ep.stats.dropped(actions);
    for (const b of batches) {
      const ep = this.list.find((e) => e.name === b.endpoint) as Endpoint;
      ep.stats.accepted(b.events.map((e) => e.action));
      ep.refresh();
    }
    return out;
  }

  /** Dead letters, oldest first (default: all endpoints, at most 1000). */
  deadLetters(query?: DeadLetterQuery): Promise<DeadLetter[]> {
    return this.queue.deadLetters(query);
  }

  /** Moves dead letters back to the end of their endpoint's list; resolves how many. */
  async replay(query?: DeadLetterQuery): Promise<number> {
    const n = await this.queue.replay(query);
    for (const e of this.list) e.refresh();
    return n;
  }

  /** The `notifications` variable of `/debug/vars`: `{endpoints: [{name, url, <config>, Metrics}]}`; no secret, no header value. */
  vars(): NotificationsVars {
    return { endpoints: this.list.map((e) => e.vars()) };
  }

  /** Stops the senders (requests under way finish), then closes the queue. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.all(this.list.map((e) => e.close()));
      await this.queue.close();
    })();
    return this.closed;
  }
}

/**
 * A broadcaster on a queue it opens: the durable SQLite queue in `stateDir` (default), a
 * lossy memory queue, or the JetStream queue shared by producers and workers.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` (no stateDir for sqlite, bad options), `ERR_METERKIT_NOTIFY_QUEUE`.
 */
export async function openBroadcaster(options: OpenBroadcasterOptions): Promise<Broadcaster> {
  const { queue = 'sqlite', stateDir, synchronous, maxPending, maxDeadLetters, nats, ...rest } = options;
  const now = (): number => (rest.clock ?? systemClock).now();
  let q: NotifyQueue;
  if (queue === 'memory') q = new MemoryQueue({ maxPending, maxDeadLetters, now });
  else if (queue === 'sqlite') {
    if (stateDir === undefined || stateDir === '') throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid stateDir undefined: the sqlite queue needs a state directory');
    q = await SqliteQueue.open({ stateDir, synchronous, maxPending, maxDeadLetters, now });
  } else if (queue === 'nats') {
    if (nats === undefined) throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid nats undefined: the nats queue needs options with servers');
    q = await JetStreamQueue.open({ maxPending, maxDeadLetters, ...nats });
  } else throw new MeterkitError(ErrorCode.InvalidArgument, `invalid queue ${JSON.stringify(queue)}: it must be "sqlite", "memory" or "nats"`);
  try {
    return new Broadcaster({ ...rest, queue: q });
  } catch (err) {
    await q.close();
    throw err;
  }
}
