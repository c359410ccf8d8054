/**
 * The bounded alert queue behind `Monitor.alerts()`: one per open iterator, each seeing every
 * alert raised while it is open (none are queued while nobody iterates, so users of the
 * `'alert'` event alone never see drops).
 *
 * Backpressure: a queue holds at most `cap` alerts its consumer has not taken. When it is full,
 * a new alert is dropped (the oldest ones stay: they are the start of the story), `onDrop` counts
 * it, and the first drop of a burst is reported; the burst ends when the consumer takes one.
 */
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { Alert } from './types.js';

type Resolve = (r: IteratorResult<Alert, undefined>) => void;

const DONE: IteratorResult<Alert, undefined> = Object.freeze({ done: true, value: undefined });

export class AlertQueue implements AsyncIterableIterator<Alert, undefined> {
  private readonly buf: Alert[] = [];
  private head = 0;
  private waiting: Resolve | undefined;
  private ended = false;
  /** Dropping since the last take: the next drop is not reported again. */
  private overflowing = false;

  constructor(
    private readonly cap: number,
    /** Called for each dropped alert; `first` is true on the first drop of a burst. */
    private readonly onDrop: (a: Alert, first: boolean) => void,
    /** Called once when the consumer stops iterating (break, return) or the monitor closes. */
    private readonly onEnd: (q: AlertQueue) => void,
  ) {}

  /** Alerts waiting to be taken. */
  get length(): number {
    return this.buf.length - this.head;
  }

  /** Offers an alert: handed to a waiting consumer, queued, or dropped when full. */
  offer(a: Alert): void {
    if (this.ended) return;
    const w = this.waiting;
    if (w !== undefined) {
      this.waiting = undefined;
      w({ done: false, value: a });
    } else if (this.length < this.cap) {
      this.buf.push(a);
    } else {
      const first = !this.overflowing;
      this.overflowing = true;
      this.onDrop(a, first);
    }
  }

  next(): Promise<IteratorResult<Alert, undefined>> {
    if (this.head < this.buf.length) {
      const a = this.buf[this.head++] as Alert;
      // compact once the taken prefix is as long as the capacity: amortised O(1), bounded memory
      if (this.head >= this.cap) {
        this.buf.splice(0, this.head);
        this.head = 0;
      }
      this.overflowing = false;
      return Promise.resolve({ done: false, value: a });
    }
    if (this.ended) return Promise.resolve(DONE);
    if (this.waiting !== undefined) return Promise.reject(new MeterkitError(ErrorCode.AlertsBusy, 'alerts(): next() called again before the previous one settled: await each next() (a for await loop does)'));
    return new Promise<IteratorResult<Alert, undefined>>((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The consumer stopped (a `break` out of `for await`): drop what is queued and unregister. */
  return(): Promise<IteratorResult<Alert, undefined>> {
    this.buf.length = 0;
    this.head = 0;
    this.end();
    return Promise.resolve(DONE);
  }

  /** Ends the iterator: a waiting `next()` settles done; alerts already queued can still be taken. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const w = this.waiting;
    this.waiting = undefined;
    w?.(DONE);
    this.onEnd(this);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Alerts {@link RecentAlerts} keeps by default: what the dashboard's alert timeline shows. */
export const RECENT_ALERTS = 100;

/**
 * The last `cap` alerts raised, kept whether anybody listens or not (a ring: the oldest is
 * overwritten), so a page opened or reloaded now still shows the flaps of the last minutes.
 */
export class RecentAlerts {
  private readonly buf: Alert[] = [];
  private next = 0;

  constructor(private readonly cap = RECENT_ALERTS) {}

  add(a: Alert): void {
    if (this.buf.length < this.cap) this.buf.push(a);
    else this.buf[this.next] = a;
    this.next = (this.next + 1) % this.cap;
  }

  /** Newest first. */
  list(): Alert[] {
    const oldestFirst = this.buf.length < this.cap ? this.buf : [...this.buf.slice(this.next), ...this.buf.slice(0, this.next)];
    return oldestFirst.slice().reverse();
  }
}
