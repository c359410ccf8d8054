/**
 * The shared queue on NATS JetStream (`kind: 'nats'`): producers append, any number of worker
 * processes deliver. Layout (names from {@link JetStreamQueueOptions}):
 * - stream `METERKIT_NOTIFY`, subjects `meterkit.notify.events.<token>`, work-queue retention
 *   (an acked event is removed), file storage, at most `maxPending` events per subject (new ones
 *   refused past it), de-duplication by message id `<endpoint>/<event id>` within `duplicateWindow`;
 * - per endpoint a durable pull consumer `notify_<token>` filtered on its
 *   subject: explicit acks, `ackWait`, unlimited redeliveries (the endpoint's maxAttempts and
 *   the dead-letter store decide when to give up), at most `maxAckPending` leased at once;
 * - stream `METERKIT_NOTIFY_DEAD`, subjects `meterkit.notify.dead.<endpoint>`: one message per
 *   dead letter, `{event, reason, at}`, removed by a replay; at most `maxDeadLetters` per
 *   subject, the server discarding the oldest (counted by the process that adds past it).
 *
 * Leases: a take pulls events from the consumer (no waiting); they stay leased to this process
 * while it works on them (a `+WPI` every ackWait/3 keeps the lease), so a retried batch is not
 * handed to another worker. A worker that dies stops renewing: after `ackWait` the server
 * redelivers its events to another worker. A release keeps the lease and puts the events back
 * at the head of this process's list; close() nak's everything it holds (redelivered at once).
 *
 * Order: stream order per endpoint while one worker consumes it (redeliveries come first). With
 * several workers, batches of one endpoint are delivered concurrently, so order holds within a
 * batch only, and events redelivered after a worker died come after later ones.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { checkWhole } from '../core/options.js';
import { eventJson } from './event.js';
import type { JetStreamLayout, JetStreamQueueOptions } from './jetstream-layout.js';
import { consumerName, deadStreamOf, endpointOfSubject, ensureStreams, queueError, resolveJetStreamOptions, scanDeadLetters, subjectOf, text } from './jetstream-layout.js';
import type { PulledMsg } from './jetstream-pull.js';
import { ackAll, pull, signal } from './jetstream-pull.js';
import type { DeadLetter, DeadLetterQuery, DeadLetterReason, EndpointEvents, NotifyQueue, QueuedEvent } from './queue.js';
import { fitting } from './queue.js';
import { addWaiter, deadLettersOver } from './queue-state.js';
import type { Waiter } from './queue-state.js';

export type { JetStreamQueueOptions };

interface Held extends QueuedEvent {
  readonly msg: PulledMsg;
}

interface Lane {
  /** Leased to this process, not taken by the sender: the head of its list. */
  buffer: Held[];
  /** Batches taken, oldest first. */
  leases: Held[][];
  pending: number;
  dead: number;
  consumer: Promise<string> | undefined;
  pulling: Promise<void> | undefined;
  waiters: Set<Waiter>;
  /** A background pull's failure, thrown by the next take. */
  error: Error | undefined;
  /** Messages that were not events, dead-lettered by this process. */
  malformed: number;
  /** Dead letters the server discarded (the store full) when this process added past the bound: best known. */
  deadDropped: number;
}

/**
 * Puts `h` into `buffer` in stream-sequence order. Messages usually arrive in order (then this
 * is a push), but a redelivery can overtake: when a killed worker's pull request was still
 * open, the server hands an expired message to it, finds no one there and queues it again
 * behind the next one. Events not yet taken are put back in order here.
 */
function inSequence(buffer: Held[], h: Held): void {
  let i = buffer.length;
  while (i > 0 && (buffer[i - 1] as Held).msg.seq > h.msg.seq) i--;
  buffer.splice(i, 0, h);
}

/** Most bytes of a message that is not an event kept in its dead letter. */
export const POISON_RAW_MAX = 4096;

/** See the file comment. Open with {@link JetStreamQueue.open}. */
export class JetStreamQueue implements NotifyQueue {
  readonly kind = 'nats';
  readonly durable = true;
  private readonly lanes = new Map<string, Lane>();
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly decoder = new TextDecoder();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly o: JetStreamLayout,
  ) {}

  /**
   * Connects, creates the streams when missing, and loads the pending and dead-letter figures.
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad option; `ERR_METERKIT_NOTIFY_QUEUE` when NATS cannot be reached or refuses.
   */
  static async open(options: JetStreamQueueOptions): Promise<JetStreamQueue> {
    const { servers, onError, ...o } = resolveJetStreamOptions(options);
    let nc: NatsConnection;
    try {
      nc = await connect({ servers, name: options.name ?? 'meterkit-notify', maxReconnectAttempts: -1, timeout: o.timeout, ignoreClusterUpdates: true });
    } catch (err) {
      throw queueError(`cannot connect to NATS at ${servers.join(',')}`, err);
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: o.timeout });
      const q = new JetStreamQueue(nc, jetstream(nc, { timeout: o.timeout }), jsm, o);
      if (onError !== undefined) q.reportTo(onError);
      await ensureStreams(jsm, o);
      await q.refresh();
      q.every(o.refreshInterval, () => q.refresh());
      q.every(Math.max(1, Math.floor(o.ackWait / 3)), async () => q.renew());
      return q;
    } catch (err) {
      await nc.close();
      throw err instanceof MeterkitError ? err : queueError(`JetStream at ${servers.join(',')} refused the notification streams`, err);
    }
  }

  /** The last failure of a background refresh (figures then stay as last known); undefined after a success. */
  lastRefreshError: Error | undefined;

  private every(ms: number, job: () => Promise<void>): void {
    const t = setInterval(() => {
      job().then(
        () => (this.lastRefreshError = undefined),
        (err: unknown) => {
          // reported once per outage, not at every interval
          if (this.lastRefreshError === undefined) this.report(err instanceof MeterkitError ? err : queueError('refreshing the JetStream figures failed (they stay as last known)', err));
          this.lastRefreshError = err as Error;
        },
      );
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private subject(kind: 'events' | 'dead', endpoint: string): string {
    return subjectOf(this.o, kind, endpoint);
  }

  private get deadStream(): string {
    return deadStreamOf(this.o);
  }

  /** Pending and dead-letter figures from the server (work-queue retention: what the stream holds is pending). */
  async refresh(): Promise<void> {
    const count = async (stream: string, kind: 'events' | 'dead'): Promise<Map<string, number>> => {
      const info = await this.jsm.streams.info(stream, { subjects_filter: subjectOf(this.o, kind) });
      return new Map(Object.entries(info.state.subjects ?? {}).map(([s, n]) => [endpointOfSubject(this.o, kind, s), n]));
    };
    const [pending, dead] = await Promise.all([count(this.o.stream, 'events'), count(this.deadStream, 'dead')]);
    for (const name of new Set([...pending.keys(), ...dead.keys(), ...this.lanes.keys()])) {
      const l = this.lane(name);
      l.pending = pending.get(name) ?? 0;
      l.dead = dead.get(name) ?? 0;
    }
  }

  private lane(endpoint: string): Lane {
    let l = this.lanes.get(endpoint);
    if (l === undefined) {
      l = { buffer: [], leases: [], pending: 0, dead: 0, consumer: undefined, pulling: undefined, waiters: new Set(), error: undefined, malformed: 0, deadDropped: 0 };
      this.lanes.set(endpoint, l);
    }
    return l;
  }

  private checkOpen(): void {
    if (this.closed) throw new MeterkitError(ErrorCode.NotifyQueue, 'the nats notification queue is closed');
  }

  async append(batches: readonly EndpointEvents[]): Promise<void> {
    this.checkOpen();
    for (const b of batches) {
      const p = this.lane(b.endpoint).pending;
      if (p + b.events.length > this.o.maxPending) throw new MeterkitError(ErrorCode.NotifyQueueFull, `the nats notification queue of endpoint "${b.endpoint}" holds ${p} events; ${b.events.length} more would pass its bound of ${this.o.maxPending}`);
    }
    // one connection keeps publish order, so the stream stores each endpoint's events in order
    await Promise.all(batches.map(async (b) => {
      const subject = this.subject('events', b.endpoint);
      // the duplicate window is the stream's, and an event goes to several endpoints: the id names both
      const acks = await Promise.all(b.events.map((e) => this.publish(subject, eventJson(e), `${b.endpoint}/${e.id}`)));
      this.lane(b.endpoint).pending += acks.filter((dup) => !dup).length;
    }));
  }

  /** Publishes with a JetStream ack; resolves whether the server saw `msgID` already. */
  private async publish(subject: string, json: string, msgID: string): Promise<boolean> {
    try {
      return (await this.js.publish(subject, json, { msgID, timeout: this.o.timeout })).duplicate;
    } catch (err) {
      if (/maximum messages per subject/i.test(text(err))) throw new MeterkitError(ErrorCode.NotifyQueueFull, `JetStream refused an event on ${subject}: ${text(err)} (bound ${this.o.maxPending})`, { cause: err });
      throw queueError(`JetStream did not store an event on ${subject}`, err);
    }
  }

  private consumer(endpoint: string): Promise<string> {
    const l = this.lane(endpoint);
    const name = consumerName(endpoint);
    l.consumer ??= this.jsm.consumers
      .add(this.o.stream, { durable_name: name, filter_subject: this.subject('events', endpoint), ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: this.o.ackWait * 1_000_000, max_deliver: -1, max_ack_pending: this.o.maxAckPending })
      .then(() => name, (err: unknown) => {
        l.consumer = undefined;
        throw queueError(`JetStream refused the consumer ${name} of endpoint "${endpoint}"`, err);
      });
    return l.consumer;
  }

  /** The message as an event held; undefined for a message that is not one (then dead-lettered by {@link poison}). */
  private held(m: PulledMsg, endpoint: string): Held | undefined {
    const json = this.decoder.decode(m.data);
    let why: string;
    try {
      const ev = JSON.parse(json) as unknown;
      if (typeof ev === 'object' && ev !== null && typeof (ev as { id?: unknown }).id === 'string' && typeof (ev as { action?: unknown }).action === 'string') {
        const { id, action } = ev as { id: string; action: string };
        return { key: m.seq, id, action, json, enqueuedAt: m.storedAt, msg: m };
      }
      why = 'JSON, but not an event with a string id and action';
    } catch (err) {
      why = `not JSON (${text(err)})`;
    }
    this.poison(endpoint, m, why).catch((err: unknown) => this.report(queueError(`a message of endpoint "${endpoint}" at stream sequence ${m.seq} is ${why}, and moving it to the dead letters failed (it is redelivered after ackWait)`, err)));
    return undefined;
  }

  /**
   * A message on an endpoint's subject that is not an event (a foreign producer, a hand-made
   * publish): stored as a dead letter with its raw bytes (at most {@link POISON_RAW_MAX}, in
   * base64), then acked, counted ({@link malformed}) and reported, so the list moves on.
   */
  private async poison(endpoint: string, m: PulledMsg, why: string): Promise<void> {
    const raw = Buffer.from(m.data.subarray(0, POISON_RAW_MAX)).toString('base64');
    const event = {
      id: `malformed-${this.o.stream}-${m.seq}`,
      timestamp: new Date(m.storedAt).toISOString(),
      action: 'meterkit.malformed',
      target: { type: 'nats-message', id: `${m.subject}#${m.seq}` },
      source: { instance: 'meterkit-notify', addr: m.subject },
      data: { raw, bytes: m.data.length, truncated: m.data.length > POISON_RAW_MAX },
    };
    const reason: DeadLetterReason = { kind: 'malformed', message: `the message is ${why}`, attempts: 0 };
    await this.publish(this.subject('dead', endpoint), `{"event":${JSON.stringify(event)},"reason":${JSON.stringify(reason)},"at":${Date.now()}}`, `dead-${this.o.stream}-${m.seq}`);
    await ackAll(this.nc, [m], this.o.timeout);
    const l = this.lane(endpoint);
    l.pending = Math.max(0, l.pending - 1);
    this.addedDead(l, 1);
    l.malformed++;
    this.report(new MeterkitError(ErrorCode.NotifyQueue, `a message of endpoint "${endpoint}" at stream sequence ${m.seq} is ${why}: moved to the dead letters as ${event.id}`));
  }

  /** `n` dead letters were stored: the server discarded the oldest past the bound; count them as it did. */
  private addedDead(l: Lane, n: number): void {
    const over = deadLettersOver(l.dead, n, this.o.maxDeadLetters);
    l.dead += n - over;
    l.deadDropped += over;
  }

  /** Dead letters of `endpoint` discarded, oldest first, because its store was full when this process added more (best known). */
  deadLettersDropped(endpoint: string): number {
    return this.lanes.get(endpoint)?.deadDropped ?? 0;
  }

  /** Messages of `endpoint` that were not events, moved to the dead letters by this process. */
  malformed(endpoint: string): number {
    return this.lanes.get(endpoint)?.malformed ?? 0;
  }

  /** Where background failures go: the options' `onError`, else the broadcaster's ({@link reportTo}), else a process warning. */
  private onError: ((err: Error) => void) | undefined;

  /** Sends the queue's background failures to `onError`, unless its options named one. */
  reportTo(onError: (err: Error) => void): void {
    this.onError ??= onError;
  }

  private report(err: Error): void {
    if (this.onError === undefined) process.emitWarning(err);
    else this.onError(err);
  }

  private async pullInto(endpoint: string, batch: number, expires: number | undefined): Promise<void> {
    const name = await this.consumer(endpoint);
    const got: PulledMsg[] = [];
    await pull(this.nc, this.o.stream, name, batch, expires, (m) => {
      got.push(m);
      if (expires !== undefined) this.receive(endpoint, [m]);
    });
    if (expires === undefined) this.receive(endpoint, got);
  }

  private receive(endpoint: string, msgs: PulledMsg[]): void {
    const l = this.lane(endpoint);
    if (this.closed) return signal(this.nc, msgs, '-NAK');
    for (const m of msgs) {
      // this runs in a subscription's callback: it must not throw (that would end the connection's reader)
      const h = this.held(m, endpoint);
      if (h !== undefined) inSequence(l.buffer, h);
    }
    for (const w of l.waiters) if (l.buffer.length >= w.count) w.wake();
  }

  async take(endpoint: string, max: number, maxBytes = Infinity): Promise<QueuedEvent[]> {
    this.checkOpen();
    const l = this.lane(endpoint);
    const failed = l.error;
    l.error = undefined;
    if (failed !== undefined) throw failed;
    if (l.buffer.length < max && l.pulling === undefined) await this.pullInto(endpoint, Math.min(max - l.buffer.length, this.o.maxAckPending), undefined);
    this.checkOpen();
    const out = l.buffer.splice(0, fitting(l.buffer.slice(0, max), maxBytes));
    if (out.length > 0) l.leases.push(out);
    return out;
  }

  private settle(endpoint: string, events: readonly QueuedEvent[]): Held[] {
    this.checkOpen();
    const l = this.lane(endpoint);
    const head = l.leases[0];
    if (head === undefined || head[0]?.key !== events[0]?.key || head.length !== events.length) throw new MeterkitError(ErrorCode.NotifyQueue, `nats queue of endpoint "${endpoint}": settle whole batches as taken, oldest first`);
    return head;
  }

  async ack(endpoint: string, events: readonly QueuedEvent[]): Promise<void> {
    const batch = this.settle(endpoint, events);
    await ackAll(this.nc, batch.map((h) => h.msg), this.o.timeout);
    this.removed(endpoint, batch);
  }

  private removed(endpoint: string, batch: Held[]): void {
    const l = this.lane(endpoint);
    if (l.leases[0] === batch) l.leases.shift();
    l.pending = Math.max(0, l.pending - batch.length);
  }

  async release(endpoint: string, events: readonly QueuedEvent[]): Promise<void> {
    this.checkOpen();
    const l = this.lane(endpoint);
    const i = l.leases.findIndex((b) => b[0]?.key === events[0]?.key);
    if (i < 0) throw new MeterkitError(ErrorCode.NotifyQueue, `nats queue of endpoint "${endpoint}": release a batch as taken`);
    // the lease is kept (renewed): the events go back to the head of this process's list, in order
    l.buffer.unshift(...l.leases.splice(i).flat());
    for (const w of l.waiters) if (l.buffer.length >= w.count) w.wake();
  }

  async deadLetter(endpoint: string, events: readonly QueuedEvent[], reason: DeadLetterReason): Promise<void> {
    const batch = this.settle(endpoint, events);
    const subject = this.subject('dead', endpoint);
    const at = Date.now();
    // stored as dead letters before the events leave the stream: a crash between the two repeats, never loses
    await Promise.all(batch.map((h) => this.publish(subject, `{"event":${h.json},"reason":${JSON.stringify(reason)},"at":${at}}`, `dead-${this.o.stream}-${h.key}`)));
    await ackAll(this.nc, batch.map((h) => h.msg), this.o.timeout);
    this.removed(endpoint, batch);
    this.addedDead(this.lane(endpoint), batch.length);
  }

  async deadLetters(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    this.checkOpen();
    const limit = checkWhole('limit', query.limit ?? 1000);
    try {
      return (await scanDeadLetters(this.nc, this.jsm, this.o, query, limit)).map(({ seq: _seq, ...d }) => d);
    } catch (err) {
      throw err instanceof MeterkitError ? err : queueError('listing the JetStream dead letters failed', err);
    }
  }

  async replay(query: DeadLetterQuery = {}): Promise<number> {
    this.checkOpen();
    let n = 0;
    try {
      for (const d of await scanDeadLetters(this.nc, this.jsm, this.o, query, Number.MAX_SAFE_INTEGER)) {
        // appended again under an id of its own (the event's id may still be in the duplicate window), then removed
        const dup = await this.publish(this.subject('events', d.endpoint), eventJson(d.event), `replay-${this.deadStream}-${d.seq}`);
        await this.jsm.streams.deleteMessage(this.deadStream, d.seq, false);
        const l = this.lane(d.endpoint);
        if (!dup) l.pending++;
        l.dead = Math.max(0, l.dead - 1);
        n++;
      }
    } catch (err) {
      throw err instanceof MeterkitError ? err : queueError(`replaying JetStream dead letters failed after ${n}`, err);
    }
    return n;
  }

  deadLetterCount(endpoint: string): number {
    return this.lanes.get(endpoint)?.dead ?? 0;
  }

  pending(endpoint: string): number {
    return this.lanes.get(endpoint)?.pending ?? 0;
  }

  waitFor(endpoint: string, count: number, abort: AbortSignal): Promise<void> {
    const l = this.lane(endpoint);
    if (this.closed || abort.aborted || l.buffer.length >= count) return Promise.resolve();
    const done = addWaiter(l.waiters, count, abort);
    this.poll(endpoint);
    return done;
  }

  /** Long-polls the consumer while someone waits; what arrives goes to the buffer (leased, renewed). */
  private poll(endpoint: string): void {
    const l = this.lane(endpoint);
    l.pulling ??= (async () => {
      while (!this.closed && l.waiters.size > 0) {
        const want = Math.max(...[...l.waiters].map((w) => w.count)) - l.buffer.length;
        if (want <= 0) break;
        try {
          await this.pullInto(endpoint, Math.min(want, this.o.maxAckPending), this.o.pollInterval);
        } catch (err) {
          // the server is away or refused: the next take throws it (the sender reports it and backs off)
          l.error = err as Error;
          for (const w of [...l.waiters]) w.wake();
          break;
        }
      }
    })().finally(() => {
      l.pulling = undefined;
    });
  }

  /** Renews the lease of every event this process holds. */
  private async renew(): Promise<void> {
    for (const l of this.lanes.values()) signal(this.nc, [...l.buffer, ...l.leases.flat()].map((h) => h.msg), '+WPI');
  }

  /** Ends pulls, hands back every event held (nak: redelivered at once, to any worker), and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const l of this.lanes.values()) for (const w of [...l.waiters]) w.wake();
    await Promise.all([...this.lanes.values()].map((l) => l.pulling));
    for (const l of this.lanes.values()) {
      signal(this.nc, [...l.leases.flat(), ...l.buffer].map((h) => h.msg), '-NAK');
      l.buffer = [];
      l.leases = [];
    }
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}
