/**
 * Regression (review of #12): verifyWebhook base64-decodes the given signature with Node's
 * lenient decoder and compares bytes, so many different header values verify: trailing
 * garbage ("…=!!"), the base64url alphabet, a missing pad, or a changed last character whose
 * low bits are unused. The Standard Webhooks reference libraries compare the base64 text (in
 * constant time); meterkit accepts signatures they refuse. Not a forgery (the key is still
 * needed) but a malleable check: a receiver deduping on the header, or a log of "the
 * signature", sees different values for one message. Compare the canonical text instead.
 * It failed before the fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signWebhook, verifyWebhook } from '../../src/notify/index.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('notify: verifyWebhook accepts only the canonical signature text', () => {
  it('refuses non-canonical encodings of a valid signature', () => {
    const body = '{"events":[]}';
    const ts = Math.floor(Date.now() / 1000);
    const h = signWebhook(SECRET, 'msg_1', body, ts);
    const sig = h['webhook-signature'].slice(3);
    assert.equal(verifyWebhook(SECRET, { ...h }, body).ok, true);
    const last = sig.length - 2; // 32 bytes → 44 chars, one '=' pad, the last data char has 2 unused bits
    const variants = {
      'trailing garbage': `${sig}!!`,
      'no pad': sig.replace(/=+$/, ''),
      base64url: sig.replace(/\+/g, '-').replace(/\//g, '_'),
      'unused bits set': `${sig.slice(0, last)}${'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charAt(('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(sig.charAt(last)) ^ 1))}=`,
    };
    const accepted = Object.entries(variants).filter(([, v]) => v !== sig && verifyWebhook(SECRET, { ...h, 'webhook-signature': `v1,${v}` }, body).ok).map(([k]) => k);
    assert.deepEqual(accepted, [], `non-canonical signatures verify: ${accepted.join(', ')}`);
  });
});
