/**
 * The decoder assigned labels with `labels[key] = value`: a label named `__proto__` (a valid
 * label name on this wire, which Rust's exporter sends as it is) set the object's prototype,
 * or was dropped, instead of showing as a label.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamDecoder } from '../../src/observer/index.js';
import { TAG, encodeLabelsPart, encodeNamePart, varintSize, writeVarint } from '../../src/tcp/encoding.js';

describe('regression: a label named __proto__ is a label', () => {
  it('decodes it as an own, enumerable property', () => {
    const body = Buffer.concat([encodeNamePart('m'), encodeLabelsPart(['__proto__', 'a'], ['x', '1']), Uint8Array.of(TAG.incrementCounter, 1)]);
    const inner = new Uint8Array(1 + varintSize(body.length) + body.length);
    inner[0] = TAG.eventMetric;
    inner.set(body, writeVarint(inner, 1, body.length));
    const framed = new Uint8Array(varintSize(inner.length) + inner.length);
    framed.set(inner, writeVarint(framed, 0, inner.length));
    const [e] = new StreamDecoder().push(framed);
    assert.ok(e?.type === 'metric');
    assert.deepEqual(Object.entries(e.labels), [
      ['__proto__', 'x'],
      ['a', '1'],
    ]);
    assert.equal(Object.getPrototypeOf(e.labels), Object.prototype);
    assert.equal(JSON.stringify(e.labels), '{"__proto__":"x","a":"1"}');
  });
});
