/**
 * The in-memory queue: distribution's behaviour. Fast, and LOSSY: every event not yet
 * delivered, and every dead letter, is gone when the process stops or crashes. Bounded per
 * endpoint (`maxPending`): a write (or a replay) that would pass the bound is refused, not
 * dropped. The dead-letter store is bounded per endpoint too (`maxDeadLetters`): past it the
 * oldest dead letters are dropped, and counted ({@link MemoryQueue.deadLettersDropped}, the
 * `meterkit_notifications_dead_letters_dropped_total` metric).
 */
import { checkWhole } from '../core/options.js';
import type { NotifyEvent } from './event.js';
import { eventJson } from './event.js';
import type { DeadLetter, DeadLetterQuery, DeadLetterReason, EndpointEvents, NotifyQueue, QueuedEvent } from './queue.js';
import { fitting } from './queue.js';
import { DEFAULT_MAX_PENDING, LocalQueue, QueueState, resolveMaxDeadLetters } from './queue-state.js';

/** Options of {@link MemoryQueue}. */
export interface MemoryQueueOptions {
  /** Most events held per endpoint. Default 1 000 000. */
  maxPending?: number;
  /** Most dead letters held per endpoint; past it the oldest are dropped (counted). Default: maxPending. */
  maxDeadLetters?: number;
  /** Time source for `enqueuedAt` and dead letters. Default `Date.now`. */
  now?: () => number;
}

interface List {
  items: QueuedEvent[];
  head: number;
}

/** A dead letter with its place in the store (dead letters of all endpoints are listed in that order). */
interface Dead extends DeadLetter {
  readonly seq: number;
}

/** One endpoint's dead letters, oldest first from `head`. */
interface DeadList {
  items: Dead[];
  head: number;
}

/** See the file comment. */
export class MemoryQueue extends LocalQueue implements NotifyQueue {
  readonly kind = 'memory';
  readonly durable = false;
  private readonly lists = new Map<string, List>();
  private readonly dead = new Map<string, DeadList>();
  private seq = 0;
  private readonly now: () => number;

  constructor(options: MemoryQueueOptions = {}) {
    const maxPending = checkWhole('maxPending', options.maxPending ?? DEFAULT_MAX_PENDING);
    super(new QueueState('memory', maxPending, resolveMaxDeadLetters(options.maxDeadLetters, maxPending)));
    this.now = options.now ?? Date.now;
  }

  private deadList(endpoint: string): DeadList {
    let d = this.dead.get(endpoint);
    if (d === undefined) {
      d = { items: [], head: 0 };
      this.dead.set(endpoint, d);
    }
    return d;
  }

  private list(endpoint: string): List {
    let l = this.lists.get(endpoint);
    if (l === undefined) {
      l = { items: [], head: 0 };
      this.lists.set(endpoint, l);
    }
    return l;
  }

  private push(endpoint: string, events: readonly NotifyEvent[], at: number): void {
    const l = this.list(endpoint);
    for (const e of events) l.items.push({ key: ++this.seq, id: e.id, action: e.action, json: eventJson(e), enqueuedAt: at });
    this.state.added(endpoint, events.length);
  }

  async append(batches: readonly EndpointEvents[]): Promise<void> {
    this.state.checkRoom(batches);
    const at = this.now();
    for (const b of batches) this.push(b.endpoint, b.events, at);
  }

  async take(endpoint: string, max: number, maxBytes = Infinity): Promise<QueuedEvent[]> {
    this.state.checkOpen();
    const l = this.list(endpoint);
    const from = l.head + (this.state.pending(endpoint) - this.state.available(endpoint));
    const out = l.items.slice(from, from + max);
    out.length = fitting(out, maxBytes);
    this.state.leased(endpoint, out[0]?.key, out.length);
    return out;
  }

  private settle(endpoint: string, events: readonly QueuedEvent[]): void {
    this.state.checkOpen();
    this.state.checkSettle(endpoint, events[0]?.key, events.length);
    const l = this.list(endpoint);
    l.head += events.length;
    if (l.head > 1024 && l.head * 2 > l.items.length) {
      l.items = l.items.slice(l.head);
      l.head = 0;
    }
  }

  async ack(endpoint: string, events: readonly QueuedEvent[]): Promise<void> {
    this.settle(endpoint, events);
    this.state.removed(endpoint, false);
  }

  async release(endpoint: string, events: readonly QueuedEvent[]): Promise<void> {
    this.state.checkOpen();
    if (events[0] !== undefined) this.state.released(endpoint, events[0].key);
  }

  async deadLetter(endpoint: string, events: readonly QueuedEvent[], reason: DeadLetterReason): Promise<void> {
    this.settle(endpoint, events);
    const at = this.now();
    const d = this.deadList(endpoint);
    const over = this.state.deadOver(endpoint, events.length);
    for (const e of events) d.items.push({ seq: ++this.seq, endpoint, event: JSON.parse(e.json) as NotifyEvent, reason, at });
    this.state.removed(endpoint, true);
    if (over > 0) {
      d.head += over;
      this.state.droppedDead(endpoint, over);
      if (d.head > 1024 && d.head * 2 > d.items.length) {
        d.items = d.items.slice(d.head);
        d.head = 0;
      }
    }
  }

  /** The dead letters matching `q`, oldest first over all endpoints. */
  private matching(q: DeadLetterQuery): Dead[] {
    const ids = q.ids === undefined ? undefined : new Set(q.ids);
    const out: Dead[] = [];
    for (const [endpoint, d] of this.dead) {
      if (q.endpoint !== undefined && endpoint !== q.endpoint) continue;
      for (let i = d.head; i < d.items.length; i++) {
        const x = d.items[i] as Dead;
        if (ids === undefined || ids.has(x.event.id)) out.push(x);
      }
    }
    return q.endpoint === undefined ? out.sort((a, b) => a.seq - b.seq) : out;
  }

  async deadLetters(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    this.state.checkOpen();
    const limit = checkWhole('limit', query.limit ?? 1000);
    return this.matching(query).slice(0, limit).map(({ seq: _seq, ...d }) => d);
  }

  async replay(query: DeadLetterQuery = {}): Promise<number> {
    this.state.checkOpen();
    const chosen = this.matching(query);
    const back = new Map<string, NotifyEvent[]>();
    for (const d of chosen) {
      let list = back.get(d.endpoint);
      if (list === undefined) back.set(d.endpoint, (list = []));
      list.push(d.event);
    }
    // all or nothing, like a write: a replay past an endpoint's bound is refused whole
    this.state.checkRoom([...back].map(([endpoint, events]) => ({ endpoint, events })));
    const gone = new Set(chosen);
    for (const endpoint of back.keys()) {
      const d = this.deadList(endpoint);
      d.items = d.items.slice(d.head).filter((x) => !gone.has(x));
      d.head = 0;
    }
    const at = this.now();
    let n = 0;
    for (const [endpoint, events] of back) {
      this.state.undead(endpoint, events.length);
      this.push(endpoint, events, at);
      n += events.length;
    }
    return n;
  }

  async close(): Promise<void> {
    this.state.close();
  }
}
