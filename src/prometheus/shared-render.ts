/**
 * One render in flight, shared by every scrape that asks for the same bytes while it runs.
 *
 * Backpressure: the render is not paced by any one client. It produces the body in slices
 * (renderBuffers yields to the event loop between them), gzipped once when asked, into a list of
 * Buffers; each scrape replays the list from the start and follows it as it grows, at its own
 * socket's pace. Memory is one copy of the body per render in flight, whatever the number of
 * scrapes; the list is released when the last scrape reading it is done. A scrape that goes
 * away leaves the others alone; when every scrape has gone, the render stops.
 */
import { Readable } from 'node:stream';
import { ParallelGzip } from './parallel-gzip.js';

/** A reader of a flight: replays its chunks from the first, then follows. */
class Replay extends Readable {
  next = 0;

  constructor(private readonly flight: Flight) {
    super();
  }

  override _read(): void {
    this.flight.feed(this);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.flight.leave(this);
    callback(err);
  }
}

/** A render under way (or finished, while its last readers finish reading). */
export class Flight {
  private readonly chunks: Buffer[] = [];
  private readonly readers = new Set<Replay>();
  private readonly waiting = new Set<Replay>();
  private readonly abort = new AbortController();
  private ended = false;
  private failure: Error | undefined;

  /**
   * Starts rendering `chunks` (gzipped when `gzip`). `onClosed` runs once, when the flight
   * stops taking new readers: the render ended, failed, or lost its last reader.
   */
  constructor(chunks: AsyncIterable<Uint8Array | string>, gzip: boolean, private readonly onClosed: () => void) {
    void this.produce(chunks, gzip);
  }

  /** True while a new reader would still get the whole body. */
  get open(): boolean {
    return !this.ended && this.failure === undefined && !this.abort.signal.aborted;
  }

  /** A new reader of the whole body. */
  reader(): Readable {
    const r = new Replay(this);
    this.readers.add(r);
    return r;
  }

  /** Pushes what `r` has not had yet, then ends it, fails it, or parks it until more comes. */
  feed(r: Replay): void {
    while (r.next < this.chunks.length) {
      if (!r.push(this.chunks[r.next++])) return;
    }
    if (this.failure !== undefined) r.destroy(this.failure);
    else if (this.ended) r.push(null);
    else this.waiting.add(r);
  }

  /** A reader is done (read it all, or its client went away). */
  leave(r: Replay): void {
    this.readers.delete(r);
    this.waiting.delete(r);
    if (this.readers.size === 0 && this.open) {
      this.abort.abort();
      this.onClosed();
    }
  }

  private wake(): void {
    if (this.waiting.size === 0) return;
    const parked = [...this.waiting];
    this.waiting.clear();
    for (const r of parked) this.feed(r);
  }

  /** Never rejects: a failure is handed to the readers, which fail their responses with it. */
  private async produce(chunks: AsyncIterable<Uint8Array | string>, gzip: boolean): Promise<void> {
    const signal = this.abort.signal;
    try {
      if (gzip) {
        const gz = new ParallelGzip((bytes) => this.keep(bytes));
        for await (const chunk of chunks) {
          if (signal.aborted) break;
          await gz.write(toBuffer(chunk));
        }
        if (!signal.aborted) await gz.end();
      } else {
        for await (const chunk of chunks) {
          if (signal.aborted) break;
          this.keep(toBuffer(chunk));
        }
      }
      if (signal.aborted) return;
      this.ended = true;
    } catch (err) {
      if (signal.aborted) return; // every reader left: nobody to tell
      this.failure = err instanceof Error ? err : new Error(String(err));
    }
    this.onClosed();
    this.wake();
  }

  private keep(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.wake();
  }
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
