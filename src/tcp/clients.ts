/**
 * The connected clients and their queues. Each client queues the shared, read-only batches
 * the ingress produces; a queue is bounded in events and bytes, and a client too slow to keep
 * up loses its oldest events first, whole events only. A socket is written to while it holds
 * less than {@link HIGH_WATER} bytes; then the queue waits for 'drain'.
 */
import type { Socket } from 'node:net';
import type { Batch } from './ingress.js';
import { startOf } from './ingress.js';

/** Bytes a client's socket may hold before its queue waits for 'drain'. */
const HIGH_WATER = 256 * 1024;

interface Client {
  readonly socket: Socket;
  /** Queued batches; the first may be partly sent or dropped (from `head`). */
  readonly queue: Batch[];
  head: number;
  queued: number;
  /** Bytes of the queued events (what `byteLimit` bounds). */
  queuedBytes: number;
  closed: boolean;
  waiting: boolean;
}

/** @internal */
export class Clients {
  /** Events dropped from slow clients' queues since start, summed over clients. */
  dropped = 0;
  private readonly all = new Set<Client>();

  constructor(
    /** Events a queue holds at most (POSITIVE_INFINITY: unbounded). */
    private readonly limit: number,
    /** Bytes a queue holds at most (POSITIVE_INFINITY: unbounded). */
    private readonly byteLimit: number,
    /** Hears the number of clients whenever it changes. */
    private readonly onCount: (clients: number) => void,
  ) {}

  /** Clients connected now. */
  get size(): number {
    return this.all.size;
  }

  /** Bytes waiting in the queues now, summed over clients. */
  queuedBytes(): number {
    let n = 0;
    for (const c of this.all) n += c.queuedBytes;
    return n;
  }

  /** Takes a connected socket as a client; `first` (the metadata) is written before anything. */
  add(socket: Socket, first: Uint8Array | null): void {
    socket.setNoDelay(true);
    const c: Client = { socket, queue: [], head: 0, queued: 0, queuedBytes: 0, closed: false, waiting: false };
    this.all.add(c);
    this.onCount(this.all.size);
    if (first !== null) socket.write(first);
    // 'error' comes before 'close': the reason needs no report, a stream client that goes away
    // is ordinary; remove() counts the client once either way
    const drop = (): void => this.remove(c);
    socket.once('error', drop);
    socket.once('close', drop);
    socket.on('data', () => undefined); // clients have nothing to say; read and discard
  }

  /** Queues a batch for every client, trims slow queues, writes what the sockets take. */
  deliver(batch: Batch): void {
    const n = batch.offsets.length;
    for (const c of this.all) {
      c.queue.push(batch);
      c.queued += n;
      c.queuedBytes += batch.bytes.length;
      this.trim(c);
      this.pump(c);
    }
  }

  /**
   * Drops a client's oldest events while its queue is over the event or the byte limit, whole
   * events only. Batches are shared: dropping moves this client's `head`, it never edits one.
   */
  private trim(c: Client): void {
    while (c.queued > this.limit || c.queuedBytes > this.byteLimit) {
      const b = c.queue[0] as Batch;
      const n = b.offsets.length;
      const from = c.head;
      let end = from + Math.min(Math.max(c.queued - this.limit, 0), n - from);
      let bytes = startOf(b, end) - startOf(b, from);
      while (end < n && c.queuedBytes - bytes > this.byteLimit) bytes = startOf(b, ++end) - startOf(b, from);
      if (end === n) {
        c.queue.shift();
        c.head = 0;
      } else c.head = end;
      c.queued -= end - from;
      c.queuedBytes -= bytes;
      this.dropped += end - from;
    }
  }

  private pump(c: Client): void {
    if (c.closed || c.waiting) return;
    while (c.queue.length > 0) {
      if (c.socket.writableLength >= HIGH_WATER) {
        c.waiting = true;
        c.socket.once('drain', () => {
          c.waiting = false;
          this.pump(c);
        });
        return;
      }
      const b = c.queue.shift() as Batch;
      const from = b.offsets[c.head] as number;
      c.queued -= b.offsets.length - c.head;
      c.queuedBytes -= b.bytes.length - from;
      c.head = 0;
      c.socket.write(from === 0 ? b.bytes : b.bytes.subarray(from));
    }
  }

  private remove(c: Client): void {
    if (c.closed) return; // 'error' and 'close' both come: count once
    c.closed = true;
    c.queue.length = 0;
    c.queued = 0;
    c.queuedBytes = 0;
    this.all.delete(c);
    this.onCount(this.all.size);
    c.socket.destroy();
  }

  /** Ends every client: each gets `graceMs` to take what was written to it, then is cut off. */
  async close(graceMs: number): Promise<void> {
    await Promise.all(
      [...this.all].map(
        (c) =>
          new Promise<void>((resolve) => {
            // unref'd: the open socket keeps the process alive until one of the two happens
            const t = setTimeout(() => {
              this.remove(c);
              resolve();
            }, graceMs);
            t.unref();
            c.socket.end(() => {
              clearTimeout(t);
              this.remove(c);
              resolve();
            });
          }),
      ),
    );
  }
}
