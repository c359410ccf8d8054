/**
 * Remote write 1.0's `WriteRequest` (Prometheus's prompb/remote.proto and types.proto), encoded
 * by hand. Byte layout, fields in declaration order:
 *
 * ```
 * WriteRequest   1: repeated TimeSeries (LEN, tag 0x0a)   3: repeated MetricMetadata (LEN, 0x1a)
 * TimeSeries     1: repeated Label (LEN, 0x0a)            2: repeated Sample (LEN, 0x12)
 * Label          1: name (LEN, 0x0a)                      2: value (LEN, 0x12)
 * Sample         1: value (double, I64, 0x09)             2: timestamp ms (int64, VARINT, 0x10)
 * MetricMetadata 1: type (VARINT, 0x08)  2: metric_family_name (0x12)  4: help (0x22)  5: unit (0x2a)
 * ```
 *
 * A series' labels are encoded once (see {@link encodeLabels}) and reused for every sample it
 * ever sends, so a sample costs a copy of those bytes, 8 bytes of value and a timestamp varint.
 * As Prometheus's queue manager does, each sample goes in a TimeSeries of its own: a batch
 * then never has to group samples by series. Both fields of a Sample are always written (a
 * proto3 decoder reads an explicit 0 the same as an absent one).
 */
import { varintSize, writeVarint } from '../core/varint.js';

/** MetricMetadata.MetricType values. */
export const METADATA_TYPE = Object.freeze({ unknown: 0, counter: 1, gauge: 2, histogram: 3, gaugehistogram: 4, summary: 5, info: 6, stateset: 7 });

/** One metric family's metadata (MetricMetadata). */
export interface Metadata {
  readonly type: keyof typeof METADATA_TYPE;
  readonly family: string;
  readonly help: string;
  readonly unit: string;
}

const utf8 = new TextEncoder();

function lenField(out: number[], tag: number, bytes: Uint8Array): void {
  out.push(tag);
  const tmp = new Uint8Array(10);
  const n = writeVarint(tmp, 0, bytes.length);
  for (let i = 0; i < n; i++) out.push(tmp[i] as number);
  for (const b of bytes) out.push(b);
}

/**
 * The `labels` fields of a TimeSeries for `pairs`, sorted by name as the spec requires
 * (byte order; `__name__` is one of the pairs). Empty values are left out: in Prometheus an
 * empty label is no label.
 */
export function encodeLabels(pairs: ReadonlyArray<readonly [string, string]>): Uint8Array {
  const sorted = pairs.filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: number[] = [];
  for (const [name, value] of sorted) {
    const label: number[] = [];
    lenField(label, 0x0a, utf8.encode(name));
    lenField(label, 0x12, utf8.encode(value));
    lenField(out, 0x0a, Uint8Array.from(label));
  }
  return Uint8Array.from(out);
}

/** A growable output buffer for one request: reused between batches, so encoding allocates nothing. */
export class ProtoWriter {
  buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initial = 64 * 1024) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Starts a new message. */
  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since the last reset (a view: valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends one TimeSeries (field 1 of WriteRequest) with one sample. */
  timeSeries(labels: Uint8Array, value: number, timestampMs: number): void {
    const ts = timestampMs < 0 ? 0 : timestampMs;
    const sampleLen = 1 + 8 + 1 + varintSize(ts);
    const seriesLen = labels.length + 1 + varintSize(sampleLen) + sampleLen;
    this.ensure(1 + 10 + seriesLen);
    const buf = this.buf;
    buf[this.pos++] = 0x0a;
    this.pos = writeVarint(buf, this.pos, seriesLen);
    buf.set(labels, this.pos);
    this.pos += labels.length;
    buf[this.pos++] = 0x12;
    this.pos = writeVarint(buf, this.pos, sampleLen);
    buf[this.pos++] = 0x09;
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
    buf[this.pos++] = 0x10;
    this.pos = writeVarint(buf, this.pos, ts);
  }

  /** Appends one MetricMetadata (field 3 of WriteRequest). */
  metadata(m: Metadata): void {
    const body: number[] = [];
    const type = METADATA_TYPE[m.type];
    if (type !== 0) body.push(0x08, type);
    if (m.family !== '') lenField(body, 0x12, utf8.encode(m.family));
    if (m.help !== '') lenField(body, 0x22, utf8.encode(m.help));
    if (m.unit !== '') lenField(body, 0x2a, utf8.encode(m.unit));
    const field: number[] = [];
    lenField(field, 0x1a, Uint8Array.from(body));
    this.ensure(field.length);
    this.buf.set(field, this.pos);
    this.pos += field.length;
  }
}
