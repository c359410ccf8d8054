/**
 * The ingress buffer: where operations are encoded, synchronously, until the next turn of the
 * event loop hands them to the client queues as one {@link Batch}. Bounded in events and bytes;
 * when full, new events are dropped (counted), never a part of one.
 */
import { TAG, encodeTimestampField, varintSize, writeVarint } from './encoding.js';
import type { EventTemplate } from './templates.js';

/** An encoded run of events shared, read-only, by every client queue. */
export interface Batch {
  readonly bytes: Uint8Array;
  /** Start of each event in `bytes`. */
  readonly offsets: Uint32Array;
}

/** Where event `i` of a batch starts (`offsets.length`: the end of the batch). */
export function startOf(b: Batch, i: number): number {
  return i < b.offsets.length ? (b.offsets[i] as number) : b.bytes.length;
}

const TIMESTAMP_EVERY = 256;

/** @internal */
export class Ingress {
  /** Clients connected now: with none, handles return before encoding (read on every operation). */
  clients = 0;
  /** Events encoded since start. */
  events = 0;
  /** Events dropped because the buffer was full. */
  dropped = 0;
  private buf = new Uint8Array(64 * 1024);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private offsets = new Uint32Array(1024);
  private count = 0;
  private ts: Uint8Array = encodeTimestampField(Date.now());

  constructor(
    /** Events held at most (POSITIVE_INFINITY: unbounded). */
    private readonly limit: number,
    /** Bytes held at most (POSITIVE_INFINITY: unbounded). */
    private readonly byteLimit: number,
    /** Called when the first event of a batch is written: schedule a {@link take}. */
    private readonly onFirst: () => void,
  ) {}

  /** Makes room for one event of at most `need` bytes; false (counted) when full. */
  private reserve(need: number): boolean {
    if (this.count >= this.limit || this.pos + need > this.byteLimit) {
      this.dropped++;
      return false;
    }
    if (this.count === 0 || (this.count & (TIMESTAMP_EVERY - 1)) === 0) this.ts = encodeTimestampField(Date.now());
    if (this.pos + need > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + need));
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    if (this.count === this.offsets.length) {
      const o = new Uint32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    if (this.count === 0) this.onFirst();
    this.offsets[this.count++] = this.pos;
    this.events++;
    return true;
  }

  /** Encodes one Metric event; false when the buffer was full and it was dropped. */
  metric(t: EventTemplate, tag: number, value: number): boolean {
    const varint = tag === TAG.incrementCounter || tag === TAG.setCounter;
    const opLen = varint ? 1 + varintSize(value) : 9;
    if (!this.reserve(t.maxLength(opLen))) return false;
    // read after reserve(), which may renew the timestamp
    const tpl = t.prefix(this.ts, opLen);
    const buf = this.buf;
    buf.set(tpl, this.pos);
    let p = this.pos + tpl.length;
    buf[p++] = tag;
    if (varint) p = writeVarint(buf, p, value);
    else {
      this.view.setFloat64(p, value, true);
      p += 8;
    }
    this.pos = p;
    return true;
  }

  /** `n` record_histogram events; once full, the rest of the run is dropped at once. */
  histogramMany(t: EventTemplate, v: number, n: number): void {
    for (let i = 0; i < n; i++) {
      if (!this.metric(t, TAG.recordHistogram, v)) {
        this.dropped += n - i - 1;
        return;
      }
    }
  }

  /** Copies a whole encoded event (metadata). */
  raw(event: Uint8Array): void {
    if (!this.reserve(event.length)) return;
    this.buf.set(event, this.pos);
    this.pos += event.length;
  }

  /** The events written since the last take, as a batch of their own; null when none. */
  take(): Batch | null {
    if (this.count === 0) return null;
    const batch: Batch = { bytes: this.buf.slice(0, this.pos), offsets: this.offsets.slice(0, this.count) };
    this.pos = 0;
    this.count = 0;
    return batch;
  }
}
