/**
 * Decoding the live stream (proto/event.proto, length-delimited). The decoder takes bytes as
 * they come — many events in one read, one event split across reads — and throws a
 * {@link DecodeError} on anything that is not the stream, so a client can drop the connection
 * instead of misreading it.
 */
import { ErrorCode, MeterkitError } from '../core/errors.js';

/** The largest event the decoder accepts; anything longer is taken for garbage. */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/** The stream carried something that is not a valid Event. */
export class DecodeError extends MeterkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.StreamDecode, message, options);
  }
}

/** Metric operations, by their field names in event.proto. */
export type Operation = 'increment_counter' | 'set_counter' | 'increment_gauge' | 'decrement_gauge' | 'set_gauge' | 'record_histogram';

/** A decoded Metadata event. */
export interface MetadataEvent {
  type: 'metadata';
  name: string;
  metricType: 'counter' | 'gauge' | 'histogram';
  unit?: string;
  description?: string;
}

/** A decoded Metric event. */
export interface MetricEvent {
  type: 'metric';
  name: string;
  /** Epoch milliseconds (with the sub-ms part of the nanos), or null when absent. */
  timestamp: number | null;
  labels: Record<string, string>;
  op: Operation | null;
  value: number;
}

/** One decoded Event (an Event with no member set decodes to `null`). */
export type StreamEvent = MetadataEvent | MetricEvent;

const TYPES = ['counter', 'gauge', 'histogram'] as const;
const OPS: Record<number, Operation> = {
  4: 'increment_counter',
  5: 'set_counter',
  6: 'increment_gauge',
  7: 'decrement_gauge',
  8: 'set_gauge',
  9: 'record_histogram',
};
const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new DecodeError('truncated varint');
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new DecodeError('varint longer than 10 bytes');
  }

  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new DecodeError(`field of ${len} bytes runs past the end of its message`);
    this.pos += len;
    return [start, start + len];
  }

  string(): string {
    const [s, e] = this.bytes();
    try {
      return utf8.decode(this.buf.subarray(s, e));
    } catch (err) {
      throw new DecodeError(`a string field is not valid UTF-8 (${(err as Error).message})`, { cause: err });
    }
  }

  stringField(wireType: number, what: string): string {
    expect(wireType, 2, what);
    return this.string();
  }

  varintField(wireType: number, what: string): number {
    expect(wireType, 0, what);
    return this.varint();
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new DecodeError('truncated double');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new DecodeError(`wire type ${wireType} is not used by the stream`);
    if (this.pos > this.end) throw new DecodeError('truncated field');
  }
}

function fields(r: Reader, each: (field: number, wireType: number) => void): void {
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if (field === 0) throw new DecodeError('field number 0');
    each(field, tag & 7);
  }
}

function expect(wt: number, want: number, what: string): void {
  if (wt !== want) throw new DecodeError(`${what} has wire type ${wt}, expected ${want}`);
}

function metadata(r: Reader): MetadataEvent {
  const out: MetadataEvent = { type: 'metadata', name: '', metricType: 'counter' };
  fields(r, (f, wt) => {
    if (f === 1) out.name = r.stringField(wt, 'Metadata.name');
    else if (f === 2) {
      expect(wt, 0, 'Metadata.metric_type');
      const t = r.varint();
      out.metricType = TYPES[t] ?? 'counter';
    } else if (f === 3) out.unit = r.stringField(wt, 'Metadata.unit_value');
    else if (f === 4) out.description = r.stringField(wt, 'Metadata.description_value');
    else r.skip(wt);
  });
  return out;
}

function metric(r: Reader): MetricEvent {
  const out: MetricEvent = { type: 'metric', name: '', timestamp: null, labels: {}, op: null, value: 0 };
  fields(r, (f, wt) => {
    if (f === 1) out.name = r.stringField(wt, 'Metric.name');
    else if (f === 2) {
      expect(wt, 2, 'Metric.timestamp');
      const [s, e] = r.bytes();
      const t = new Reader(r.buf, s, e);
      let seconds = 0;
      let nanos = 0;
      fields(t, (tf, twt) => {
        if (tf === 1) seconds = t.varintField(twt, 'Timestamp.seconds');
        else if (tf === 2) nanos = t.varintField(twt, 'Timestamp.nanos');
        else t.skip(twt);
      });
      out.timestamp = seconds * 1000 + nanos / 1e6;
    } else if (f === 3) {
      expect(wt, 2, 'Metric.labels');
      const [s, e] = r.bytes();
      const m = new Reader(r.buf, s, e);
      let k = '';
      let v = '';
      fields(m, (mf, mwt) => {
        if (mf === 1) k = m.stringField(mwt, 'label key');
        else if (mf === 2) v = m.stringField(mwt, 'label value');
        else m.skip(mwt);
      });
      out.labels[k] = v;
    } else if (f === 4 || f === 5) {
      expect(wt, 0, OPS[f] as string);
      out.op = OPS[f] as Operation;
      out.value = r.varint();
    } else if (f >= 6 && f <= 9) {
      expect(wt, 1, OPS[f] as string);
      out.op = OPS[f] as Operation;
      out.value = r.double();
    } else r.skip(wt);
  });
  return out;
}

/** Decodes one Event message (without its length prefix). */
export function decodeEvent(buf: Uint8Array, start = 0, end = buf.length): StreamEvent | null {
  const r = new Reader(buf, start, end);
  let out: StreamEvent | null = null;
  fields(r, (f, wt) => {
    if (f === 1 || f === 2) {
      expect(wt, 2, f === 1 ? 'Event.metadata' : 'Event.metric');
      const [s, e] = r.bytes();
      out = f === 1 ? metadata(new Reader(buf, s, e)) : metric(new Reader(buf, s, e));
    } else r.skip(wt);
  });
  return out;
}

/** Splits a byte stream into events; keeps a partial event until the rest arrives. */
export class StreamDecoder {
  private pending: Uint8Array = new Uint8Array(0);

  /** Bytes held back waiting for the rest of an event. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Feeds bytes; returns every event they complete. Throws DecodeError on garbage. */
  push(chunk: Uint8Array): StreamEvent[] {
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending);
      buf.set(chunk, this.pending.length);
    }
    const out: StreamEvent[] = [];
    let pos = 0;
    while (pos < buf.length) {
      // read the length varint, or wait for more bytes
      let len = 0;
      let mul = 1;
      let p = pos;
      let complete = false;
      while (p < buf.length && p - pos < 10) {
        const b = buf[p++] as number;
        len += (b & 0x7f) * mul;
        mul *= 128;
        if (b < 0x80) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (p - pos >= 10) throw new DecodeError('length prefix longer than 10 bytes');
        break;
      }
      if (len > MAX_EVENT_BYTES) throw new DecodeError(`event of ${len} bytes is larger than ${MAX_EVENT_BYTES}: this is not a metrics stream`);
      if (p + len > buf.length) break;
      const ev = decodeEvent(buf, p, p + len);
      if (ev !== null) out.push(ev);
      pos = p + len;
    }
    this.pending = pos >= buf.length ? new Uint8Array(0) : buf.slice(pos);
    return out;
  }

  /** Forgets a held-back partial event (after a reconnect). */
  reset(): void {
    this.pending = new Uint8Array(0);
  }
}
