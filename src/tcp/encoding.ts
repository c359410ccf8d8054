/**
 * Protobuf encoding of the stream's Event messages (proto/event.proto), by hand: the static
 * parts of a metric event (name, labels) are encoded once per handle, so an operation only
 * writes a timestamp and a value.
 *
 * Byte layout matches what prost (the Rust exporter's encoder) writes: fields in declaration
 * order (name, timestamp, labels, operation), proto3 defaults left out, oneof members always
 * written.
 */
import { varintSize, writeVarint } from '../core/varint.js';

/** Event field tags (field number << 3 | wire type). */
export const TAG = Object.freeze({
  eventMetadata: 0x0a, // Event.metadata = 1, LEN
  eventMetric: 0x12, // Event.metric = 2, LEN
  name: 0x0a, // Metadata.name / Metric.name = 1, LEN
  metricType: 0x10, // Metadata.metric_type = 2, VARINT
  unit: 0x1a, // Metadata.unit_value = 3, LEN
  description: 0x22, // Metadata.description_value = 4, LEN
  timestamp: 0x12, // Metric.timestamp = 2, LEN
  label: 0x1a, // Metric.labels = 3, LEN (map entry)
  incrementCounter: 0x20, // 4, VARINT
  setCounter: 0x28, // 5, VARINT
  incrementGauge: 0x31, // 6, I64
  decrementGauge: 0x39, // 7, I64
  setGauge: 0x41, // 8, I64
  recordHistogram: 0x49, // 9, I64
});

/** MetricType enum values. */
export const METRIC_TYPE = Object.freeze({ counter: 0, gauge: 1, histogram: 2 });

export { varintSize, writeVarint };

function field(tag: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + varintSize(payload.length) + payload.length);
  out[0] = tag;
  const p = writeVarint(out, 1, payload.length);
  out.set(payload, p);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const utf8 = new TextEncoder();

function str(tag: number, s: string): Uint8Array {
  return field(tag, utf8.encode(s));
}

/** `name` field of a Metric (empty when the name is empty, as proto3 leaves defaults out). */
export function encodeNamePart(name: string): Uint8Array {
  return name === '' ? new Uint8Array(0) : str(TAG.name, name);
}

/** The `labels` map entries of a Metric, in the order given. */
export function encodeLabelsPart(names: readonly string[], values: readonly string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < names.length; i++) {
    const k = names[i] as string;
    const v = values[i] as string;
    const entry = concat([k === '' ? new Uint8Array(0) : str(0x0a, k), v === '' ? new Uint8Array(0) : str(0x12, v)]);
    parts.push(field(TAG.label, entry));
  }
  return concat(parts);
}

/** A whole length-delimited Event carrying Metadata. */
export function encodeMetadataEvent(
  name: string,
  type: keyof typeof METRIC_TYPE,
  unit: string | undefined,
  description: string | undefined,
): Uint8Array {
  const parts: Uint8Array[] = [encodeNamePart(name)];
  const t = METRIC_TYPE[type];
  if (t !== 0) parts.push(new Uint8Array([TAG.metricType, t]));
  if (unit !== undefined) parts.push(str(TAG.unit, unit));
  if (description !== undefined) parts.push(str(TAG.description, description));
  const event = field(TAG.eventMetadata, concat(parts));
  const out = new Uint8Array(varintSize(event.length) + event.length);
  out.set(event, writeVarint(out, 0, event.length));
  return out;
}

/** The Timestamp submessage field (tag, length, seconds, nanos) for epoch `ms`. */
export function encodeTimestampField(ms: number): Uint8Array {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  const body: number[] = [];
  const tmp = new Uint8Array(10);
  if (seconds !== 0) {
    body.push(0x08);
    const e = writeVarint(tmp, 0, seconds);
    for (let i = 0; i < e; i++) body.push(tmp[i] as number);
  }
  if (nanos !== 0) {
    body.push(0x10);
    const e = writeVarint(tmp, 0, nanos);
    for (let i = 0; i < e; i++) body.push(tmp[i] as number);
  }
  return field(TAG.timestamp, Uint8Array.from(body));
}
