/**
 * The decoder finds names and label sets again by their bytes (observer/decode.ts, "Speed"):
 * these tests hold it to decoding exactly what a fresh decode gives, under eviction, with
 * split label runs, and with the observer's state keyed by the shared labels object.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObserverState, StreamDecoder } from '../../src/observer/index.js';
import type { MetricEvent, StreamEvent } from '../../src/observer/index.js';
import { TAG, encodeLabelsPart, encodeNamePart, encodeTimestampField, varintSize, writeVarint } from '../../src/tcp/encoding.js';

/** A length-delimited Event{metric} made of the given Metric fields, in the given order. */
function event(...fields: Uint8Array[]): Uint8Array {
  let mlen = 0;
  for (const f of fields) mlen += f.length;
  const inner = new Uint8Array(1 + varintSize(mlen) + mlen);
  inner[0] = TAG.eventMetric;
  let p = writeVarint(inner, 1, mlen);
  for (const f of fields) {
    inner.set(f, p);
    p += f.length;
  }
  const out = new Uint8Array(varintSize(inner.length) + inner.length);
  out.set(inner, writeVarint(out, 0, inner.length));
  return out;
}

function gauge(v: number): Uint8Array {
  const op = new Uint8Array(9);
  op[0] = TAG.setGauge;
  new DataView(op.buffer).setFloat64(1, v, true);
  return op;
}

const labels = (l: Record<string, string>): Uint8Array => encodeLabelsPart(Object.keys(l), Object.values(l));
const metrics = (evs: StreamEvent[]): MetricEvent[] => evs.filter((e): e is MetricEvent => e.type === 'metric');

describe('decoder caches', () => {
  it('shares one frozen labels object among the events of a series', () => {
    const np = encodeNamePart('req_total');
    const lp = labels({ method: 'GET', path: '/a' });
    const [a, b] = metrics(new StreamDecoder().push(Buffer.concat([event(np, encodeTimestampField(1000), lp, gauge(1)), event(np, encodeTimestampField(2000), lp, gauge(2))])));
    assert.ok(a && b);
    assert.equal(a.labels, b.labels);
    assert.ok(Object.isFrozen(a.labels));
    assert.deepEqual(a.labels, { method: 'GET', path: '/a' });
    assert.deepEqual([a.timestamp, b.timestamp, a.value, b.value], [1000, 2000, 1, 2]);
  });

  it('decodes 5000 interleaved series (more than the cache holds) exactly', () => {
    const n = 5000;
    const parts: Uint8Array[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < n; i++) parts.push(event(encodeNamePart(`m${i % 7}`), labels({ shard: String(i), k: 'v'.repeat(i % 5) }), gauge(i + round)));
    }
    const evs = metrics(new StreamDecoder().push(Buffer.concat(parts)));
    assert.equal(evs.length, 3 * n);
    evs.forEach((e, j) => {
      const i = j % n;
      assert.equal(e.name, `m${i % 7}`);
      assert.deepEqual(e.labels, { shard: String(i), k: 'v'.repeat(i % 5) });
      assert.equal(e.value, i + Math.floor(j / n));
    });
  });

  it('merges label entries that other fields split into runs, and keeps empty keys and values', () => {
    const np = encodeNamePart('split');
    const [e] = metrics(new StreamDecoder().push(event(labels({ a: '1' }), np, labels({ b: '2', '': '' }), gauge(3))));
    assert.deepEqual(e?.labels, { a: '1', b: '2', '': '' });
    assert.equal(e?.name, 'split');
  });

  it('the observer shows the same rows for shared and for fresh labels objects, and follows a kind change', () => {
    const evs = metrics(
      new StreamDecoder().push(
        Buffer.concat([
          event(encodeNamePart('x'), labels({ b: '2', a: '1' }), gauge(5)),
          event(encodeNamePart('x'), labels({ a: '1', b: '2' }), gauge(7)),
          event(encodeNamePart('y'), gauge(1)),
        ]),
      ),
    );
    const shared = new ObserverState();
    const fresh = new ObserverState();
    for (const e of evs) {
      shared.apply(e);
      fresh.apply({ ...e, labels: { ...e.labels } });
    }
    assert.deepEqual(shared.rows(), fresh.rows());
    assert.deepEqual(
      shared.rows().map((r) => [r.title, r.value]),
      [
        ['x [a = 1, b = 2]', 'current: 7'],
        ['y', 'current: 1'],
      ],
    );
    // a counter under the same key replaces the gauge; an older labels object must not
    // keep updating the replaced series
    const first = evs[0] as MetricEvent;
    shared.apply({ ...first, labels: { a: '1', b: '2' }, op: 'increment_counter', value: 4 });
    assert.equal(shared.rows()[0]?.value, 'total: 4');
    shared.apply({ ...first, op: 'set_gauge', value: 9 });
    assert.deepEqual(shared.rows()[0], { key: 'x\u0000a\u00011\u0000b\u00012', title: 'x [a = 1, b = 2]', value: 'current: 9' });
  });
});
