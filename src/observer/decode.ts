/**
 * Decoding the live stream (proto/event.proto, length-delimited). The decoder takes bytes as
 * they come — many events in one read, one event split across reads — and throws a
 * {@link DecodeError} on anything that is not the stream, so a client can drop the connection
 * instead of misreading it.
 *
 * ## Speed
 * A stream repeats the same few series: every event of one series carries the same name and
 * label bytes. Names and label sets are therefore decoded once and then found again by their
 * bytes (a bounded cache: a hash of the bytes picks a slot, a byte compare confirms the hit), so
 * an event costs one parse pass and one small object; the UTF-8 decoder and the labels object
 * are paid for on a miss only. Bytes that decoded once decode the same way again, so a hit
 * needs no validation. One consequence: the `labels` object is shared by the events of one
 * series and frozen.
 */
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { BytesCache } from './bytes-cache.js';
import type { MetadataEvent, MetricEvent, Operation, StreamEvent } from './events.js';

export type { MetadataEvent, MetricEvent, Operation, StreamEvent } from './events.js';

/** The largest event the decoder accepts; anything longer is taken for garbage. */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/** The stream carried something that is not a valid Event. */
export class DecodeError extends MeterkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.StreamDecode, message, options);
  }
}

const TYPES = ['counter', 'gauge', 'histogram'] as const;
/** Operation by Metric field number (4–9). */
const OPS: ReadonlyArray<Operation | undefined> = [undefined, undefined, undefined, undefined, 'increment_counter', 'set_counter', 'increment_gauge', 'decrement_gauge', 'set_gauge', 'record_histogram'];
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const utf8 = new TextDecoder('utf-8', { fatal: true });
// a double is read by copying its 8 bytes here: no DataView per event
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

function utf8String(buf: Uint8Array, s: number, e: number): string {
  try {
    return utf8.decode(buf.subarray(s, e));
  } catch (err) {
    throw new DecodeError(`a string field is not valid UTF-8 (${(err as Error).message})`, { cause: err });
  }
}

function expect(wt: number, want: number, what: string): void {
  if (wt !== want) throw new DecodeError(`${what} has wire type ${wt}, expected ${want}`);
}

/**
 * A protobuf reader over one buffer: `pos` moves as fields are read; every read is bounded by
 * the end of the message it belongs to. One instance per decoder, reused for every event.
 */
class Parser {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  /** Wire type of the tag {@link tag} read last. */
  private wireType = 0;

  /**
   * The varint at `pos` (before `end`), or -1 when the bytes end first (`pos` unchanged).
   * @throws DecodeError when it is longer than 10 bytes
   */
  varintOrEnd(end: number): number {
    const buf = this.buf;
    let p = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) return -1;
      const b = buf[p++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = p;
        return result;
      }
      mul *= 128;
    }
    throw new DecodeError('varint longer than 10 bytes');
  }

  varint(end: number): number {
    const v = this.varintOrEnd(end);
    if (v < 0) throw new DecodeError('truncated varint');
    return v;
  }

  /** A length-delimited field's payload: returns its end; `pos` is at its start. */
  lengthDelimited(end: number): number {
    const len = this.varint(end);
    const e = this.pos + len;
    if (e > end) throw new DecodeError(`field of ${len} bytes runs past the end of its message`);
    return e;
  }

  string(wt: number, end: number, what: string): string {
    expect(wt, 2, what);
    const e = this.lengthDelimited(end);
    const s = utf8String(this.buf, this.pos, e);
    this.pos = e;
    return s;
  }

  skip(wt: number, end: number): void {
    if (wt === 0) this.varint(end);
    else if (wt === 1) this.pos += 8;
    else if (wt === 2) this.pos = this.lengthDelimited(end);
    else if (wt === 5) this.pos += 4;
    else throw new DecodeError(`wire type ${wt} is not used by the stream`);
    if (this.pos > end) throw new DecodeError('truncated field');
  }

  /** The field number of the tag at `pos`, its wire type in `wireType`. */
  tag(end: number): number {
    const tag = this.varint(end);
    const field = Math.floor(tag / 8);
    if (field === 0) throw new DecodeError('field number 0');
    this.wireType = tag & 7;
    return field;
  }

  /** Decodes one Event message in buf[start, end). */
  event(buf: Uint8Array, start: number, end: number): StreamEvent | null {
    this.buf = buf;
    this.pos = start;
    let out: StreamEvent | null = null;
    while (this.pos < end) {
      const f = this.tag(end);
      if (f === 1 || f === 2) {
        expect(this.wireType, 2, f === 1 ? 'Event.metadata' : 'Event.metric');
        const e = this.lengthDelimited(end);
        out = f === 1 ? this.metadata(e) : this.metric(e);
        this.pos = e;
      } else this.skip(this.wireType, end);
    }
    return out;
  }

  private metadata(end: number): MetadataEvent {
    const out: MetadataEvent = { type: 'metadata', name: '', metricType: 'counter' };
    while (this.pos < end) {
      const f = this.tag(end);
      const wt = this.wireType;
      if (f === 1) out.name = this.string(wt, end, 'Metadata.name');
      else if (f === 2) {
        expect(wt, 0, 'Metadata.metric_type');
        out.metricType = TYPES[this.varint(end)] ?? 'counter';
      } else if (f === 3) out.unit = this.string(wt, end, 'Metadata.unit_value');
      else if (f === 4) out.description = this.string(wt, end, 'Metadata.description_value');
      else this.skip(wt, end);
    }
    return out;
  }

  private metric(end: number): MetricEvent {
    const buf = this.buf;
    let name = '';
    let timestamp: number | null = null;
    let labels = NO_LABELS;
    let op: Operation | null = null;
    let value = 0;
    while (this.pos < end) {
      const at = this.pos;
      const f = this.tag(end);
      const wt = this.wireType;
      if (f === 1) {
        expect(wt, 2, 'Metric.name');
        const e = this.lengthDelimited(end);
        name = names.get(buf, this.pos, e);
        this.pos = e;
      } else if (f === 2) {
        expect(wt, 2, 'Metric.timestamp');
        const e = this.lengthDelimited(end);
        timestamp = this.timestamp(e);
        this.pos = e;
      } else if (f === 3) {
        expect(wt, 2, 'Metric.labels');
        // the run of label entries that starts here, looked up whole by its bytes
        this.pos = this.lengthDelimited(end);
        while (this.pos < end && buf[this.pos] === 0x1a) {
          this.pos++;
          this.pos = this.lengthDelimited(end);
        }
        const run = labelSets.get(buf, at, this.pos);
        // entries split into runs by other fields (legal, not what exporters write): merged
        labels = labels === NO_LABELS ? run : Object.freeze({ ...labels, ...run });
      } else if (f === 4 || f === 5) {
        expect(wt, 0, OPS[f] as string);
        op = OPS[f] as Operation;
        value = this.varint(end);
      } else if (f >= 6 && f <= 9) {
        expect(wt, 1, OPS[f] as string);
        if (this.pos + 8 > end) throw new DecodeError('truncated double');
        for (let i = 0; i < 8; i++) f64Bytes[i] = buf[this.pos + i] as number;
        this.pos += 8;
        op = OPS[f] as Operation;
        value = f64[0] as number;
      } else this.skip(wt, end);
    }
    return { type: 'metric', name, timestamp, labels, op, value };
  }

  private timestamp(end: number): number {
    let seconds = 0;
    let nanos = 0;
    while (this.pos < end) {
      const f = this.tag(end);
      const wt = this.wireType;
      if (f === 1) {
        expect(wt, 0, 'Timestamp.seconds');
        seconds = this.varint(end);
      } else if (f === 2) {
        expect(wt, 0, 'Timestamp.nanos');
        nanos = this.varint(end);
      } else this.skip(wt, end);
    }
    return seconds * 1000 + nanos / 1e6;
  }

  /** A run of `labels` map entries (each with its tag) as a frozen object; a cache miss. */
  labels(buf: Uint8Array, start: number, end: number): Readonly<Record<string, string>> {
    this.buf = buf;
    this.pos = start;
    const out: Record<string, string> = {};
    while (this.pos < end) {
      this.tag(end); // field 3, checked by the caller
      const e = this.lengthDelimited(end);
      let k = '';
      let v = '';
      while (this.pos < e) {
        const f = this.tag(e);
        if (f === 1) k = this.string(this.wireType, e, 'label key');
        else if (f === 2) v = this.string(this.wireType, e, 'label value');
        else this.skip(this.wireType, e);
      }
      // defined, not assigned: a key named "__proto__" is a label like any other
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return Object.freeze(out);
  }
}

// Bytes decode to the same value whichever stream they came from: one pair of caches serves
// every decoder. A miss runs on a parser of its own (it must not move the caller's position).
const missParser = new Parser();
const names = new BytesCache<string>(utf8String);
const labelSets = new BytesCache<Readonly<Record<string, string>>>((buf, s, e) => missParser.labels(buf, s, e));
const shared = new Parser();

/** Decodes one Event message (without its length prefix). */
export function decodeEvent(buf: Uint8Array, start = 0, end = buf.length): StreamEvent | null {
  return shared.event(buf, start, end);
}

/** Splits a byte stream into events; keeps a partial event until the rest arrives. */
export class StreamDecoder {
  private pending: Uint8Array = new Uint8Array(0);
  private readonly parser = new Parser();

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
    const p = this.parser;
    let pos = 0;
    while (pos < buf.length) {
      // the length prefix, or wait for more bytes
      p.buf = buf;
      p.pos = pos;
      const len = p.varintOrEnd(buf.length);
      if (len < 0) break;
      if (len > MAX_EVENT_BYTES) throw new DecodeError(`event of ${len} bytes is larger than ${MAX_EVENT_BYTES}: this is not a metrics stream`);
      const start = p.pos;
      if (start + len > buf.length) break;
      const ev = p.event(buf, start, start + len);
      if (ev !== null) out.push(ev);
      pos = start + len;
    }
    this.pending = pos >= buf.length ? new Uint8Array(0) : buf.slice(pos);
    return out;
  }

  /** Forgets a held-back partial event (after a reconnect). */
  reset(): void {
    this.pending = new Uint8Array(0);
  }
}
