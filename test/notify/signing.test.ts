import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeterkitError } from '../../src/index.js';
import { secretKey, signWebhook, verifyWebhook } from '../../src/notify/index.js';

// the Standard Webhooks specification's published example
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const SIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

describe('notify signing (Standard Webhooks)', () => {
  it('reproduces the specification test vector', () => {
    assert.deepEqual(signWebhook(SECRET, ID, BODY, TS), { 'webhook-id': ID, 'webhook-timestamp': String(TS), 'webhook-signature': SIG });
    // the key is the base64-decoded secret; the prefix may be left out
    assert.equal(signWebhook(SECRET.slice('whsec_'.length), ID, Buffer.from(BODY), TS)['webhook-signature'], SIG);
    assert.equal(secretKey(SECRET).length, 24);
  });

  it('verifies the vector, several signatures, and refuses tampering, age and missing headers', () => {
    const h = { 'webhook-id': ID, 'webhook-timestamp': String(TS), 'webhook-signature': SIG };
    const at = { nowSeconds: TS + 10 };
    assert.deepEqual(verifyWebhook(SECRET, h, BODY, at), { ok: true, id: ID, timestamp: TS });
    assert.equal(verifyWebhook(SECRET, new Headers(h), BODY, at).ok, true);
    assert.equal(verifyWebhook(SECRET, { ...h, 'webhook-signature': `v1,bm9wZQ== v2,x ${SIG}` }, BODY, at).ok, true);
    assert.deepEqual(verifyWebhook(SECRET, h, BODY.replace('2', '3'), at), { ok: false, reason: 'no-signature-matches' });
    assert.deepEqual(verifyWebhook(SECRET, { ...h, 'webhook-id': 'msg_other' }, BODY, at), { ok: false, reason: 'no-signature-matches' });
    assert.deepEqual(verifyWebhook(SECRET, { ...h, 'webhook-signature': 'v2,' + SIG.slice(3) }, BODY, at), { ok: false, reason: 'no-signature-matches' });
    assert.deepEqual(verifyWebhook('whsec_' + Buffer.alloc(24, 1).toString('base64'), h, BODY, at), { ok: false, reason: 'no-signature-matches' });
    assert.deepEqual(verifyWebhook(SECRET, h, BODY, { nowSeconds: TS + 301 }), { ok: false, reason: 'too-old' });
    assert.deepEqual(verifyWebhook(SECRET, h, BODY, { nowSeconds: TS - 301 }), { ok: false, reason: 'too-new' });
    assert.equal(verifyWebhook(SECRET, h, BODY, { nowSeconds: TS + 3600, toleranceSeconds: 3600 }).ok, true);
    assert.deepEqual(verifyWebhook(SECRET, { ...h, 'webhook-timestamp': '1e9' }, BODY, at), { ok: false, reason: 'bad-timestamp' });
    assert.deepEqual(verifyWebhook(SECRET, { 'webhook-id': ID }, BODY, at), { ok: false, reason: 'missing-headers' });
  });

  it('refuses a malformed or short secret without showing it', () => {
    for (const bad of ['whsec_not base64!', 'whsec_' + Buffer.alloc(8).toString('base64')]) {
      assert.throws(
        () => secretKey(bad),
        (err: unknown) => err instanceof MeterkitError && err.code === 'ERR_METERKIT_INVALID_ARGUMENT' && !err.message.includes(bad.slice(6)),
      );
    }
  });
});
