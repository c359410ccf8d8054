import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, ObserverState, StreamDecoder, formatWithUnit, renderFrame } from '../../src/observer/index.js';
import { TAG, encodeLabelsPart, encodeMetadataEvent, encodeNamePart, encodeTimestampField, varintSize, writeVarint } from '../../src/tcp/encoding.js';

function metricEvent(name: string, labels: Record<string, string>, tag: number, value: number, ms = 1_700_000_000_123): Uint8Array {
  const np = encodeNamePart(name);
  const lp = encodeLabelsPart(Object.keys(labels), Object.values(labels));
  const ts = encodeTimestampField(ms);
  const op = new Uint8Array(tag === TAG.incrementCounter || tag === TAG.setCounter ? 1 + varintSize(value) : 9);
  op[0] = tag;
  if (op.length === 9) new DataView(op.buffer).setFloat64(1, value, true);
  else writeVarint(op, 1, value);
  const mlen = np.length + ts.length + lp.length + op.length;
  const inner = new Uint8Array(1 + varintSize(mlen) + mlen);
  inner[0] = TAG.eventMetric;
  let p = writeVarint(inner, 1, mlen);
  for (const part of [np, ts, lp, op]) {
    inner.set(part, p);
    p += part.length;
  }
  const out = new Uint8Array(varintSize(inner.length) + inner.length);
  out.set(inner, writeVarint(out, 0, inner.length));
  return out;
}

describe('stream decoder', () => {
  it('decodes many events in one read and an event split across reads', () => {
    const a = encodeMetadataEvent('lat_seconds', 'histogram', 'seconds', 'Latency');
    const b = metricEvent('lat_seconds', { route: '/x' }, TAG.recordHistogram, 0.25);
    const c = metricEvent('hits_total', {}, TAG.incrementCounter, 300);
    const all = Buffer.concat([a, b, c]);
    const whole = new StreamDecoder().push(all);
    assert.equal(whole.length, 3);
    assert.deepEqual(whole[0], { type: 'metadata', name: 'lat_seconds', metricType: 'histogram', unit: 'seconds', description: 'Latency' });
    assert.deepEqual(whole[1], { type: 'metric', name: 'lat_seconds', timestamp: 1_700_000_000_123, labels: { route: '/x' }, op: 'record_histogram', value: 0.25 });
    assert.equal((whole[2] as { value: number }).value, 300);
    // byte by byte gives the same events
    const d = new StreamDecoder();
    const seen = [];
    for (const byte of all) seen.push(...d.push(Uint8Array.of(byte)));
    assert.deepEqual(seen, whole);
    assert.equal(d.buffered, 0);
    // a split in the middle holds the partial event back
    const d2 = new StreamDecoder();
    assert.equal(d2.push(all.subarray(0, a.length + 3)).length, 1);
    assert.ok(d2.buffered > 0);
    assert.equal(d2.push(all.subarray(a.length + 3)).length, 2);
  });

  it('rejects garbage with a DecodeError instead of misreading it', () => {
    const cases: Array<[string, Uint8Array]> = [
      ['HTTP reply', Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nthis is not a metrics stream at all\n')],
      ['huge length', Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)],
      ['endless varint', Uint8Array.from({ length: 11 }, () => 0xff)],
      ['bad wire type', Uint8Array.of(2, 0x0b, 0x00)],
      ['truncated field', Uint8Array.of(3, 0x12, 0x05, 0x0a)],
      ['invalid utf8', Uint8Array.of(6, 0x12, 0x04, 0x0a, 0x02, 0xc3, 0x28)],
    ];
    for (const [what, bytes] of cases) {
      assert.throws(() => new StreamDecoder().push(bytes), (e: unknown) => e instanceof DecodeError && e.code === 'ERR_METERKIT_STREAM_DECODE', what);
    }
    // an empty Event and unknown fields are tolerated
    assert.deepEqual(new StreamDecoder().push(Uint8Array.of(0)), []);
    assert.deepEqual(new StreamDecoder().push(Uint8Array.of(2, 0x78, 0x01)), []);
  });
});

describe('observer state and screen', () => {
  it('applies every operation and restarts from zero when cleared', () => {
    const s = new ObserverState();
    const d = new StreamDecoder();
    const evs = d.push(
      Buffer.concat([
        encodeMetadataEvent('mem_bytes', 'gauge', 'bytes', undefined),
        encodeMetadataEvent('lat_seconds', 'histogram', 'seconds', undefined),
        metricEvent('req_total', { b: '2', a: '1' }, TAG.incrementCounter, 5),
        metricEvent('req_total', { a: '1', b: '2' }, TAG.incrementCounter, 2),
        metricEvent('set_total', {}, TAG.setCounter, 40),
        metricEvent('mem_bytes', {}, TAG.setGauge, 3 * 1024 * 1024),
        metricEvent('mem_bytes', {}, TAG.incrementGauge, 512 * 1024),
        metricEvent('mem_bytes', {}, TAG.decrementGauge, 1024 * 1024),
        ...[0.001, 0.002, 0.003, 0.5].map((v) => metricEvent('lat_seconds', {}, TAG.recordHistogram, v)),
      ]),
    );
    for (const e of evs) s.apply(e);
    const rows = Object.fromEntries(s.rows().map((r) => [r.title, r.value]));
    assert.equal(rows['req_total [a = 1, b = 2]'], 'total: 7');
    assert.equal(rows.set_total, 'total: 40');
    assert.equal(rows.mem_bytes, 'current: 2.5 MiB');
    assert.match(rows.lat_seconds as string, /^min: 1ms p50: 2(\.\d+)?ms p99: 3(\.\d+)?ms p999: 3(\.\d+)?ms max: 500ms$/);
    s.clear();
    assert.deepEqual(s.rows(), []);
  });

  it('scales units', () => {
    assert.equal(formatWithUnit(1.5, 'seconds'), '1.5s');
    assert.equal(formatWithUnit(0.0025, 'seconds'), '2.5ms');
    assert.equal(formatWithUnit(2500, 'nanoseconds'), '2.5µs');
    assert.equal(formatWithUnit(800, 'nanoseconds'), '800ns');
    assert.equal(formatWithUnit(3, 'milliseconds'), '3ms');
    assert.equal(formatWithUnit(2048, 'bytes'), '2 KiB');
    assert.equal(formatWithUnit(1.5, 'gibibytes'), '1.5 GiB');
    assert.equal(formatWithUnit(100, 'bytes'), '100 B');
    assert.equal(formatWithUnit(12, 'count_per_second'), '12 /s');
    assert.equal(formatWithUnit(12.5, 'percent'), '12.5%');
    assert.equal(formatWithUnit(40, 'megabits_per_second'), '40 Mbps');
    assert.equal(formatWithUnit(7, 'count'), '7');
    assert.equal(formatWithUnit(7, undefined), '7');
  });

  it('draws a header and right-aligned values, scrolled', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ key: String(i), title: `m${i} [k = v]`, value: `total: ${i}` }));
    const lines = renderFrame({ address: '127.0.0.1:5000', connected: true, reason: '', retryMs: 3000, time: new Date(2026, 0, 1, 12, 34, 56), rows, offset: 2, width: 60, height: 6 });
    assert.match(lines[0] as string, /127\.0\.0\.1:5000 {2}connected {2}12:34:56/);
    assert.match(lines[1] as string, /q quit/);
    assert.equal(lines.length, 6);
    assert.equal(lines[3], `m2 [k = v]${' '.repeat(60 - 10 - 8)}total: 2`);
    const off = renderFrame({ address: 'h:1', connected: false, reason: 'ECONNREFUSED', retryMs: 3000, time: new Date(), rows: [], offset: 0, width: 80, height: 10 });
    assert.match(off[0] as string, /disconnected — retrying every 3s \(ECONNREFUSED\)/);
    assert.equal(off[3], 'no data');
  });
});
