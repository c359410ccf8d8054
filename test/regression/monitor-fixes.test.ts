/**
 * Fixes of the peer monitor review (#11) not covered by the reviewer's monitor-*.test.ts files:
 * each test fails on the code before its fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Monitor } from '../../src/monitor/index.js';

const T0 = 1_700_000_000_000;

describe('monitor fixes: well-formed strings (#5)', () => {
  it('a string value with a lone surrogate is refused, as a peer id with one is', () => {
    const mon = new Monitor({ now: () => T0, onError: () => undefined });
    const [m] = JSON.parse('[{"name":"note","peer":"a","value":"x\\ud800","ttl":1000}]') as unknown[];
    assert.throws(() => mon.logMetric(m), { code: 'ERR_METERKIT_INVALID_METRIC', field: 'value', message: /lone surrogates/ });
    assert.throws(() => new Monitor({ peers: ['b\udc00'] }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /lone surrogates/ });
  });
});
