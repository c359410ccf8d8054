/**
 * Issue #8 §5: honour `gzip;q=0`. An explicit gzip entry decides over `*` (RFC 9110 §12.5.3):
 * the old acceptsGzip (prometheus/handler.ts) let `*` re-enable a refused gzip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptsGzip } from '../../src/http/index.js';

describe('regression: Accept-Encoding with q=0', () => {
  it('refuses gzip when the client says gzip;q=0, whatever * says', () => {
    const cases: Array<[string | undefined, boolean]> = [
      ['gzip;q=0, *', false],
      ['*, gzip;q=0', false],
      ['*;q=1, GZIP; Q=0', false],
      ['gzip;q=0.000, *;q=0.5', false],
      ['gzip;q=1e-3', false], // not a qvalue: not a yes
      ['gzip;q=0x1', false],
      ['gzip', true],
      ['gzip;q=0.001', true],
      ['deflate, *', true],
      ['*;q=0', false],
      ['x-gzip', true],
      ['identity', false],
      ['', false],
      [undefined, false],
    ];
    for (const [header, want] of cases) assert.equal(acceptsGzip(header), want, String(header));
  });
});
