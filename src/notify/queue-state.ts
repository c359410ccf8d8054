/**
 * What the local queues (memory, SQLite) keep in memory beside their storage: per endpoint the
 * counts (pending, leased, dead letters) and the callers waiting for events, plus the bound and
 * the closed state. One place, so both queues wake waiters and refuse work the same way.
 */
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { checkWhole } from '../core/options.js';
import type { EndpointEvents } from './queue.js';

interface Counts {
  pending: number;
  /** Appended, not yet committed (they count against the bound, not as pending). */
  reserved: number;
  leased: number;
  /** The batches leased, oldest first: the consumer settles them in this order. */
  leases: Array<{ first: number | string; count: number }>;
  dead: number;
  /** Dead letters dropped (oldest first) because the store was full, since the queue opened. */
  deadDropped: number;
  waiters: Set<Waiter>;
}

/** Someone waiting for `count` events; `wake` resolves its promise and forgets it. */
export interface Waiter {
  readonly count: number;
  wake(): void;
}

/** Adds a waiter for `count` events to `waiters`; resolves when woken or when `signal` aborts. */
export function addWaiter(waiters: Set<Waiter>, count: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const w = {
      count,
      wake: (): void => {
        waiters.delete(w);
        signal.removeEventListener('abort', w.wake);
        resolve();
      },
    };
    waiters.add(w);
    signal.addEventListener('abort', w.wake, { once: true });
  });
}

/** Default bound of one endpoint's list in a local queue. */
export const DEFAULT_MAX_PENDING = 1_000_000;

/**
 * The bound of one endpoint's dead-letter store, the same option in every queue (memory,
 * SQLite, JetStream): `maxDeadLetters`, default the queue's `maxPending`.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad value.
 */
export function resolveMaxDeadLetters(maxDeadLetters: unknown, maxPending: number): number {
  return checkWhole('maxDeadLetters', maxDeadLetters ?? maxPending);
}

/**
 * The rule every queue follows when its dead-letter store is full: `adding` dead letters join
 * the `held` ones and the oldest beyond `max` are dropped (and counted) — a dead letter is
 * never refused, since the event it holds has already left the list. Returns how many go.
 */
export function deadLettersOver(held: number, adding: number, max: number): number {
  return Math.max(0, held + adding - max);
}

/** Counts and waiters of a local queue. */
export class QueueState {
  private readonly by = new Map<string, Counts>();
  private closed = false;

  constructor(
    readonly kind: string,
    readonly maxPending: number,
    readonly maxDeadLetters: number = maxPending,
  ) {}

  private of(endpoint: string): Counts {
    let c = this.by.get(endpoint);
    if (c === undefined) {
      c = { pending: 0, reserved: 0, leased: 0, leases: [], dead: 0, deadDropped: 0, waiters: new Set() };
      this.by.set(endpoint, c);
    }
    return c;
  }

  /** @throws MeterkitError `ERR_METERKIT_NOTIFY_QUEUE` once closed. */
  checkOpen(): void {
    if (this.closed) throw new MeterkitError(ErrorCode.NotifyQueue, `the ${this.kind} notification queue is closed`);
  }

  /** @throws MeterkitError `ERR_METERKIT_NOTIFY_QUEUE_FULL` when a batch would pass the bound. */
  checkRoom(batches: readonly EndpointEvents[]): void {
    for (const b of batches) this.checkRoomFor(b.endpoint, b.events.length);
  }

  /** @throws MeterkitError `ERR_METERKIT_NOTIFY_QUEUE_FULL` when `n` more events of `endpoint` would pass the bound. */
  checkRoomFor(endpoint: string, n: number): void {
    this.checkOpen();
    const c = this.of(endpoint);
    const p = c.pending + c.reserved;
    if (p + n > this.maxPending) {
      throw new MeterkitError(ErrorCode.NotifyQueueFull, `the ${this.kind} notification queue of endpoint "${endpoint}" holds ${p} events; ${n} more would pass its bound of ${this.maxPending}`);
    }
  }

  /** Counts from storage at open. */
  load(endpoint: string, pending: number, dead: number): void {
    const c = this.of(endpoint);
    c.pending = pending;
    c.dead = dead;
  }

  /** `n` events were appended but are not committed yet (`n` < 0: no longer waiting). */
  reserve(endpoint: string, n: number): void {
    this.of(endpoint).reserved += n;
  }

  /** `n` events became available (appended, released or replayed). */
  added(endpoint: string, n: number, newlyPending = true): void {
    const c = this.of(endpoint);
    if (newlyPending) c.pending += n;
    for (const w of c.waiters) if (c.pending - c.leased >= w.count) w.wake();
  }

  /** A batch of `n` events starting at `first` was leased. */
  leased(endpoint: string, first: number | string | undefined, n: number): void {
    if (first === undefined || n === 0) return;
    const c = this.of(endpoint);
    c.leased += n;
    c.leases.push({ first, count: n });
  }

  /**
   * Ends the lease of the batch starting at `first` and every batch leased after it; returns
   * how many events went back to the list.
   * @throws MeterkitError `ERR_METERKIT_NOTIFY_QUEUE` when no leased batch starts at `first`.
   */
  released(endpoint: string, first: number | string): number {
    const c = this.of(endpoint);
    const i = c.leases.findIndex((l) => l.first === first);
    if (i < 0) throw this.notLeased(endpoint);
    let n = 0;
    for (const l of c.leases.splice(i)) n += l.count;
    c.leased -= n;
    this.added(endpoint, n, false);
    return n;
  }

  private notLeased(endpoint: string): MeterkitError {
    return new MeterkitError(ErrorCode.NotifyQueue, `${this.kind} queue of endpoint "${endpoint}": settle whole batches as taken, oldest first`);
  }

  /**
   * Checks that the oldest leased batch is the one starting at `first` with `n` events (a
   * consumer settles whole batches in the order it took them).
   * @throws MeterkitError `ERR_METERKIT_NOTIFY_QUEUE` otherwise.
   */
  checkSettle(endpoint: string, first: number | string | undefined, n: number): void {
    const head = this.of(endpoint).leases[0];
    if (head === undefined || head.first !== first || head.count !== n) throw this.notLeased(endpoint);
  }

  /** The oldest leased batch left the list: acked, or dead-lettered (`dead`). */
  removed(endpoint: string, dead: boolean): void {
    const c = this.of(endpoint);
    const l = c.leases.shift();
    if (l === undefined) return;
    c.leased -= l.count;
    c.pending -= l.count;
    if (dead) c.dead += l.count;
  }

  /** Dead letters replayed. */
  undead(endpoint: string, n: number): void {
    this.of(endpoint).dead -= n;
  }

  /** How many of `endpoint`'s oldest dead letters must go before `adding` more join them ({@link deadLettersOver}). */
  deadOver(endpoint: string, adding: number): number {
    return deadLettersOver(this.deadLetterCount(endpoint), adding, this.maxDeadLetters);
  }

  /** `n` of `endpoint`'s oldest dead letters were dropped: the store was full. */
  droppedDead(endpoint: string, n: number): void {
    const c = this.of(endpoint);
    c.dead -= n;
    c.deadDropped += n;
  }

  /** Dead letters of `endpoint` dropped since the queue opened because its store was full. */
  deadLettersDropped(endpoint: string): number {
    return this.by.get(endpoint)?.deadDropped ?? 0;
  }

  /** Events of `endpoint` neither acked nor dead-lettered (leased ones included). */
  pending(endpoint: string): number {
    return this.by.get(endpoint)?.pending ?? 0;
  }

  /** Dead letters of `endpoint`. */
  deadLetterCount(endpoint: string): number {
    return this.by.get(endpoint)?.dead ?? 0;
  }

  /** Events of `endpoint` that can be taken now (pending, not leased). */
  available(endpoint: string): number {
    const c = this.by.get(endpoint);
    return c === undefined ? 0 : c.pending - c.leased;
  }

  /** See NotifyQueue.waitFor. */
  waitFor(endpoint: string, count: number, signal: AbortSignal): Promise<void> {
    const c = this.of(endpoint);
    if (this.closed || signal.aborted || c.pending - c.leased >= count) return Promise.resolve();
    return addWaiter(c.waiters, count, signal);
  }

  /** Marks the queue closed and wakes every waiter. */
  close(): void {
    this.closed = true;
    for (const c of this.by.values()) for (const w of [...c.waiters]) w.wake();
  }
}

/** What the local queues share: their {@link QueueState} and the methods that only read it. */
export abstract class LocalQueue {
  constructor(protected readonly state: QueueState) {}

  /** See NotifyQueue.deadLetterCount. */
  deadLetterCount(endpoint: string): number {
    return this.state.deadLetterCount(endpoint);
  }

  /** See NotifyQueue.pending. */
  pending(endpoint: string): number {
    return this.state.pending(endpoint);
  }

  /** Dead letters of `endpoint` dropped, oldest first, because its store was full (`maxDeadLetters`), since the queue opened. */
  deadLettersDropped(endpoint: string): number {
    return this.state.deadLettersDropped(endpoint);
  }

  /** See NotifyQueue.waitFor. */
  waitFor(endpoint: string, count: number, signal: AbortSignal): Promise<void> {
    return this.state.waitFor(endpoint, count, signal);
  }
}
