/**
 * Issue #9 §3: the decoder's `catch {}` around UTF-8 decoding threw a DecodeError that lost
 * the reason (which bytes, what the TextDecoder said). The error now says it and carries the
 * original as `cause`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, StreamDecoder } from '../../src/observer/index.js';

describe('regression: a decode error keeps its reason', () => {
  it('invalid UTF-8 in a string field: DecodeError with the decoder error as cause', () => {
    // Event{metric{name: 0xc3 0x28}}: a lead byte followed by a non-continuation byte
    const bytes = Uint8Array.of(6, 0x12, 0x04, 0x0a, 0x02, 0xc3, 0x28);
    assert.throws(
      () => new StreamDecoder().push(bytes),
      (e: unknown) => {
        assert.ok(e instanceof DecodeError);
        assert.equal(e.code, 'ERR_METERKIT_STREAM_DECODE');
        assert.ok(e.cause instanceof TypeError, `cause: ${String(e.cause)}`);
        assert.match(e.message, /^a string field is not valid UTF-8 \(.+\)$/);
        return true;
      },
    );
  });
});
