/**
 * The one queue interface every notification queue implements: in memory (lossy, distribution's
 * behaviour), SQLite (durable, the default) and NATS JetStream (shared by workers).
 *
 * Model: the queue holds, per endpoint name, an ordered list of events accepted for that
 * endpoint. The endpoint's sender is the only consumer of its list and works on one batch at a
 * time: it {@link NotifyQueue.take}s the oldest events not yet leased, sends them, and then
 * {@link NotifyQueue.ack}s them (delivered: removed), {@link NotifyQueue.deadLetter}s them
 * (given up: moved to the dead-letter store) or {@link NotifyQueue.release}s them (not sent:
 * back at the head of the list, in their order). That is what keeps per-endpoint order.
 *
 * A lease lives only in the process that took it: after a crash every event that was leased
 * and not acked is taken again (at-least-once delivery; duplicates only for the batch in flight).
 */
import type { NotifyEvent } from './event.js';

/** One event in an endpoint's list. */
export interface QueuedEvent {
  /** Opaque position in the queue (a sequence number, a stream offset); only the queue reads it. */
  readonly key: number | string;
  /** The event's id. */
  readonly id: string;
  /** The event's action (for metrics labels; the queue keeps it beside the JSON). */
  readonly action: string;
  /** The event, serialized as JSON exactly as it was appended. */
  readonly json: string;
  /** When the queue accepted it, ms since the Unix epoch (for the total-latency histogram). */
  readonly enqueuedAt: number;
}

/** Events for one endpoint, appended together. */
export interface EndpointEvents {
  readonly endpoint: string;
  readonly events: readonly NotifyEvent[];
}

/** Why events were moved to the dead-letter store. */
export interface DeadLetterReason {
  /** `status`: the endpoint answered a status that is not retried (a 4xx other than 408/429, an unfollowed 3xx); `attempts`: maxAttempts were used up; `request`: the request could not be built (a header node:http cannot send); `malformed`: a queue message that was not an event (its raw bytes are in the event's data). */
  readonly kind: 'status' | 'attempts' | 'request' | 'malformed';
  /** The last HTTP status, if the last attempt got one. */
  readonly status?: number;
  /** The last error or status text, for people. Never holds a secret. */
  readonly message: string;
  /** Attempts made. */
  readonly attempts: number;
}

/** An event in the dead-letter store. */
export interface DeadLetter {
  readonly endpoint: string;
  readonly event: NotifyEvent;
  readonly reason: DeadLetterReason;
  /** When it was dead-lettered, ms since the Unix epoch. */
  readonly at: number;
}

/** Which dead letters to list or replay. */
export interface DeadLetterQuery {
  /** Only this endpoint's. */
  endpoint?: string;
  /** Only events with these ids. */
  ids?: readonly string[];
  /** At most this many, oldest first (listing only). Default 1000. */
  limit?: number;
}

/**
 * A notification queue. Methods that change state resolve only once the change is as durable
 * as the implementation promises (committed to disk for SQLite, acknowledged by the server for
 * JetStream, at once in memory). None of them may be called after {@link close} (they reject
 * with `ERR_METERKIT_NOTIFY_QUEUE`).
 */
export interface NotifyQueue {
  /** `memory`, `sqlite`, `nats`…: for docs and `/debug/vars`. */
  readonly kind: string;
  /** True when accepted events survive a crash of this process. */
  readonly durable: boolean;
  /**
   * Appends events for several endpoints, all or nothing; resolves once they are stored.
   * @throws MeterkitError `ERR_METERKIT_NOTIFY_QUEUE_FULL` when an endpoint's list would pass its bound (nothing is appended).
   */
  append(batches: readonly EndpointEvents[]): Promise<void>;
  /**
   * The oldest events of `endpoint` that are not leased, at most `max` and at most `maxBytes`
   * of JSON together ({@link fitting}: the first event is taken whatever its size), now leased
   * to the caller. Resolves `[]` when there are none (it does not wait: see {@link waitFor}).
   */
  take(endpoint: string, max: number, maxBytes?: number): Promise<QueuedEvent[]>;
  /** Delivered: removes leased events (a whole batch as taken; batches are settled oldest first). */
  ack(endpoint: string, events: readonly QueuedEvent[]): Promise<void>;
  /** Not sent: returns leased events, and any leased after them, to the head of the list, in their order. */
  release(endpoint: string, events: readonly QueuedEvent[]): Promise<void>;
  /** Given up: moves leased events to the dead-letter store with `reason`. */
  deadLetter(endpoint: string, events: readonly QueuedEvent[], reason: DeadLetterReason): Promise<void>;
  /** Dead letters, oldest first. */
  deadLetters(query?: DeadLetterQuery): Promise<DeadLetter[]>;
  /**
   * Moves dead letters back to the end of their endpoint's list; resolves how many.
   * @throws MeterkitError `ERR_METERKIT_NOTIFY_QUEUE_FULL` when an endpoint's list would pass its bound (nothing is moved; a local queue).
   */
  replay(query?: DeadLetterQuery): Promise<number>;
  /** Dead letters held for `endpoint` (best known value for a remote queue). */
  deadLetterCount(endpoint: string): number;
  /** Messages of `endpoint` that were not events, moved to the dead letters by the queue itself (a shared queue). */
  malformed?(endpoint: string): number;
  /** Sends the queue's background failures to `onError` (the Broadcaster's), unless the queue was given its own. */
  reportTo?(onError: (err: Error) => void): void;
  /** Dead letters of `endpoint` dropped because its dead-letter store was full (queues whose store is bounded by count). */
  deadLettersDropped?(endpoint: string): number;
  /** Events accepted for `endpoint` and neither acked nor dead-lettered, leased ones included (best known value for a remote queue). */
  pending(endpoint: string): number;
  /**
   * Resolves once at least `count` events of `endpoint` are not leased, or when `signal`
   * aborts or the queue closes (then the caller re-checks). Never rejects.
   */
  waitFor(endpoint: string, count: number, signal: AbortSignal): Promise<void>;
  /** Releases resources; leased events stay in the queue (durable kinds) for the next run. */
  close(): Promise<void>;
}

/**
 * How many of `events`, from the first, fit in `maxBytes`: each counts its JSON's UTF-8 bytes
 * plus one (the comma or bracket around it in a body). The first always fits (an event alone
 * is bounded by EVENT_MAX_BYTES), so a batch is never empty while events wait.
 */
export function fitting(events: readonly { readonly json: string }[], maxBytes: number): number {
  if (maxBytes === Infinity) return events.length;
  let total = 0;
  for (let i = 0; i < events.length; i++) {
    total += Buffer.byteLength((events[i] as { json: string }).json) + 1;
    if (total > maxBytes && i > 0) return i;
  }
  return events.length;
}
