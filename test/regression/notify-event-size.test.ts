/**
 * Regression (review of #12): README "an event is at most 64 KiB of JSON"; the check counts
 * UTF-16 code units (json.length), so an event of 60 000 CJK characters (about 180 KiB of
 * UTF-8 JSON on the wire and in the queue) is accepted: the documented bound is off by up to
 * 3×. Count bytes (Buffer.byteLength) or document the rule as characters. It failed before
 * the fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT_MAX_BYTES, normalizeEvent } from '../../src/notify/index.js';

describe('notify: the event size bound is in bytes', () => {
  it('refuses an event whose JSON is over 64 KiB of UTF-8', () => {
    const input = { action: 'a', target: { type: 't', id: 'i' }, data: '日'.repeat(60_000) };
    assert.ok(Buffer.byteLength(JSON.stringify(input)) > 2 * EVENT_MAX_BYTES);
    assert.throws(() => normalizeEvent(input, { instance: 't', addr: 'a' }), (err: Error & { code?: string }) => err.code === 'ERR_METERKIT_INVALID_EVENT');
  });
});
