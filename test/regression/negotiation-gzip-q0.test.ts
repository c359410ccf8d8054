/**
 * Issue #8 §5: `Accept-Encoding: gzip;q=0, *` was answered with gzip, because `*` accepted
 * what the explicit `gzip;q=0` refused. RFC 9110 §12.5.3: the explicit entry wins.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { HttpServer } from '../../src/http/index.js';
import { acceptsGzip, createMetricsHandler } from '../../src/prometheus/index.js';
import { scrape } from '../helpers/scrape.js';

async function encodingOf(url: string, acceptEncoding: string): Promise<string | string[] | undefined> {
  return (await scrape(url, { 'Accept-Encoding': acceptEncoding })).headers['content-encoding'];
}

describe('regression: Accept-Encoding q-values (RFC 9110)', () => {
  it('an explicit gzip;q=0 refuses gzip even when * is accepted', () => {
    assert.equal(acceptsGzip('gzip;q=0, *'), false);
    assert.equal(acceptsGzip('*, gzip;q=0'), false);
    assert.equal(acceptsGzip('*;q=1, gzip; q=0.000'), false);
    assert.equal(acceptsGzip('gzip;q=0, *;q=0.5'), false);
  });

  it('an explicit gzip with q>0 wins over *;q=0', () => {
    assert.equal(acceptsGzip('*;q=0, gzip'), true);
    assert.equal(acceptsGzip('gzip;q=0.001, *;q=0'), true);
  });

  it('* decides only when gzip is not named; identity never means gzip', () => {
    assert.equal(acceptsGzip('identity, *'), true);
    assert.equal(acceptsGzip('identity, *;q=0'), false);
    assert.equal(acceptsGzip('identity'), false);
    assert.equal(acceptsGzip('deflate, br'), false);
    assert.equal(acceptsGzip(''), false);
    assert.equal(acceptsGzip(undefined), false);
  });

  it('x-gzip is gzip; a malformed q-value accepts nothing', () => {
    assert.equal(acceptsGzip('x-gzip'), true);
    assert.equal(acceptsGzip('x-gzip;q=0, *'), false);
    assert.equal(acceptsGzip('gzip;q=abc'), false);
    assert.equal(acceptsGzip('gzip;q=2'), false);
    assert.equal(acceptsGzip('gzip;q='), false);
    assert.equal(acceptsGzip('GZIP;Q=0.5'), true);
  });

  describe('over HTTP', () => {
    const registry = new Registry();
    const server = new HttpServer({ port: 0 });
    let url = '';
    before(async () => {
      registry.counter('hits_total').increment();
      server.route('/metrics', createMetricsHandler(registry));
      await server.listen();
      url = `${server.url()}/metrics`;
    });
    after(() => server.close());

    it('answers gzip;q=0, * uncompressed', async () => {
      assert.equal(await encodingOf(url, 'gzip;q=0, *'), undefined);
      assert.equal(await encodingOf(url, 'gzip, *;q=0'), 'gzip');
    });
  });
});
