/**
 * Issue #8 §5 "Auth": `Bearer secret extra` was accepted (split with a limit), junk around the
 * Basic base64 was accepted, a length check before timingSafeEqual told the token's length,
 * and a token with whitespace was taken at startup.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { describe, it } from 'node:test';
import { parseAgentArgs } from '../../src/cli/main.js';
import { HttpServer, authorized } from '../../src/http/index.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('regression: credentials are parsed strictly', () => {
  const auth = { token: 'secret', basic: { username: 'u', password: 'pw' } };

  it('refuses anything after the bearer token', () => {
    assert.equal(authorized('Bearer secret', auth), true);
    assert.equal(authorized('Bearer   secret', auth), true, '1*SP between scheme and credentials');
    assert.equal(authorized('Bearer secret extra', auth), false);
    assert.equal(authorized('Bearer secret\textra', auth), false);
    assert.equal(authorized('Bearer', auth), false);
  });

  it('refuses junk around or inside the basic credentials', () => {
    const good = b64('u:pw');
    assert.equal(authorized(`Basic ${good}`, auth), true);
    for (const bad of [`Basic !!${good}`, `Basic ${good}!!`, `Basic ${good} junk`, `Basic ${good.slice(0, 2)}.${good.slice(2)}`, `Basic ${good.replace(/=+$/, '')}`, 'Basic dTpwdw=', 'Basic dTpwdx==']) {
      assert.equal(authorized(bad, auth), false, bad);
    }
  });

  it('compares fixed-length digests, so a wrong length is not answered early', () => {
    const original = crypto.timingSafeEqual;
    const sizes: number[] = [];
    crypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
      sizes.push(a.byteLength, b.byteLength);
      return original(a, b);
    };
    syncBuiltinESMExports();
    try {
      assert.equal(authorized('Bearer s', auth), false);
      assert.equal(authorized(`Bearer ${'x'.repeat(500)}`, auth), false);
      assert.equal(authorized(`Basic ${b64('someone-else:' + 'y'.repeat(99))}`, auth), false);
    } finally {
      crypto.timingSafeEqual = original;
      syncBuiltinESMExports();
    }
    // every attempt reached the constant-time compare, always on equal 32-byte digests
    assert.ok(sizes.length >= 8, `compares made: ${sizes.length / 2}`);
    assert.ok(sizes.every((n) => n === 32), sizes.join(','));
  });

  it('refuses a configured token with whitespace, without printing it', () => {
    for (const token of ['two words', 'trailing\n', '\tlead', 'ctl\x01x']) {
      assert.throws(() => new HttpServer({ auth: { token } }), (e: Error & { code?: string }) => e.code === 'ERR_METERKIT_INVALID_ARGUMENT' && /whitespace/.test(e.message) && !e.message.includes(token));
      assert.throws(() => parseAgentArgs(['--auth-token', token]), (e: Error) => /whitespace/.test(e.message) && !e.message.includes(token));
    }
    assert.throws(() => new HttpServer({ auth: { basic: { username: 'a:b', password: 'p' } } }), /without ":"/);
  });
});
