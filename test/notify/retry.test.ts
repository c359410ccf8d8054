import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, classify, parseRetryAfter } from '../../src/notify/index.js';

describe('notify retry policy', () => {
  it('2xx succeeds (an unfollowed 3xx does not); network errors, 408, 429 and 5xx retry; other 4xx go to the dead letters', () => {
    assert.equal(classify(200), 'success');
    assert.equal(classify(204), 'success');
    for (const s of [301, 302, 303, 304, 307, 308]) assert.equal(classify(s), 'dead', `an unfollowed ${s} delivered nothing`);
    for (const s of [undefined, 408, 429, 500, 502, 503, 599]) assert.equal(classify(s), 'retry', String(s));
    for (const s of [400, 401, 403, 404, 410, 413, 422]) assert.equal(classify(s), 'dead', String(s));
  });

  it('backs off after threshold failures, doubling, capped, with jitter in the upper half', () => {
    const p = { threshold: 3, backoff: 1000, maxBackoff: 10_000 };
    assert.equal(backoffDelay(p, 1, () => 0.5), 0);
    assert.equal(backoffDelay(p, 2, () => 0.5), 0);
    assert.equal(backoffDelay(p, 3, () => 0), 500);
    assert.equal(backoffDelay(p, 3, () => 0.999999), 1000);
    assert.equal(backoffDelay(p, 4, () => 0), 1000);
    assert.equal(backoffDelay(p, 5, () => 0), 2000);
    assert.equal(backoffDelay(p, 50, () => 0.999999), 10_000);
    assert.equal(backoffDelay(p, 50, () => 0), 5000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2015, 9, 21, 7, 27, 0);
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now), 60_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-5', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter('99999999999', now), 2 ** 31 - 1);
  });
});
