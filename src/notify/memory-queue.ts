/**
 * The in-memory queue: distribution's behaviour. Fast, and LOSSY: every event not yet
 * delivered, and every dead letter, is gone when the process stops or crashes. Bounded per
 * endpoint (`maxPending`): a write that would pass the bound is refused, not dropped.
 */
import { checkWhole } from '../core/options.js';
import type { NotifyEvent } from './event.js';
import { eventJson } from './event.js';
import type { DeadLetter, DeadLetterQuery, DeadLetterReason, EndpointEvents, NotifyQueue, QueuedEvent } from './queue.js';
import { DEFAULT_MAX_PENDING, LocalQueue, QueueState } from './queue-state.js';

/** Options of {@link MemoryQueue}. */
export interface MemoryQueueOptions {
  /** Most events held per endpoint. Default 1 000 000. */
  maxPending?: number;
  /** Time source for `enqueuedAt` and dead letters. Default `Date.now`. */
  now?: () => number;
}

interface List {
  items: QueuedEvent[];
  head: number;
}

/** See the file comment. */
export class MemoryQueue extends LocalQueue implements NotifyQueue {
  readonly kind = 'memory';
  readonly durable = false;
  private readonly lists = new Map<string, List>();
  private dead: DeadLetter[] = [];
  private seq = 0;
  private readonly now: () => number;

  constructor(options: MemoryQueueOptions = {}) {
    super(new QueueState('memory', checkWhole('maxPending', options.maxPending ?? DEFAULT_MAX_PENDING)));
    this.now = options.now ?? Date.now;
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

  async take(endpoint: string, max: number): Promise<QueuedEvent[]> {
    this.state.checkOpen();
    const l = this.list(endpoint);
    const from = l.head + (this.state.pending(endpoint) - this.state.available(endpoint));
    const out = l.items.slice(from, from + max);
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
    for (const e of events) this.dead.push({ endpoint, event: JSON.parse(e.json) as NotifyEvent, reason, at });
    this.state.removed(endpoint, true);
  }

  private matching(q: DeadLetterQuery): (d: DeadLetter) => boolean {
    const ids = q.ids === undefined ? undefined : new Set(q.ids);
    return (d) => (q.endpoint === undefined || d.endpoint === q.endpoint) && (ids === undefined || ids.has(d.event.id));
  }

  async deadLetters(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    this.state.checkOpen();
    const limit = checkWhole('limit', query.limit ?? 1000);
    return this.dead.filter(this.matching(query)).slice(0, limit);
  }

  async replay(query: DeadLetterQuery = {}): Promise<number> {
    this.state.checkOpen();
    const match = this.matching(query);
    const keep: DeadLetter[] = [];
    const back = new Map<string, NotifyEvent[]>();
    for (const d of this.dead) {
      if (!match(d)) keep.push(d);
      else {
        let list = back.get(d.endpoint);
        if (list === undefined) back.set(d.endpoint, (list = []));
        list.push(d.event);
      }
    }
    this.dead = keep;
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
