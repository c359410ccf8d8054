/**
 * Issue #8 §5 "HTTP details": 431 for oversized headers, 408 for slow headers, 404 without the
 * route list and before auth, /healthz only GET/HEAD, an answer to CONNECT.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAgent } from '../../src/cli/agent.js';
import type { Agent } from '../../src/cli/agent.js';
import { HttpServer } from '../../src/http/index.js';
import { get } from '../helpers/scrape.js';
import { rawExchange, statusOf } from '../http/raw.js';

describe('regression: HTTP status details', () => {
  const server = new HttpServer({ port: 0, headersTimeout: 200, requestTimeout: 400, auth: { token: 'tok' } });
  server.route('/metrics', (_q, s) => void s.end('m'));
  server.route('/healthz', (_q, s) => void s.end('ok'));
  let port = 0;
  before(async () => {
    port = (await server.listen()).port;
  });
  after(() => server.close());

  it('answers oversized headers with 431 (was 400)', async () => {
    const reply = await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(statusOf(reply), 431, reply.slice(0, 80));
  });

  it('answers headers that never finish with 408 after headersTimeout (was 400 after a minute or more)', async () => {
    // half a request line, then silence: the server must give up on its own
    const reply = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
    assert.equal(statusOf(reply), 408, reply.slice(0, 80));
  });

  it('answers an unknown path 404 without naming the served paths, before auth', async () => {
    const nf = await get(`http://127.0.0.1:${port}/secret-probe`);
    assert.equal(nf.status, 404);
    const body = nf.body.toString();
    assert.doesNotMatch(body, /\/metrics|\/healthz|served/);
    assert.doesNotMatch(body, /secret-probe/, 'nothing of the request is echoed');
    assert.equal((await get(`http://127.0.0.1:${port}/metrics`)).status, 401, 'a known path without credentials');
    assert.equal((await get(`http://127.0.0.1:${port}/metrics`, { headers: { Authorization: 'Bearer tok' } })).status, 200);
  });

  it('answers CONNECT with 405 instead of dropping the connection', async () => {
    const reply = await rawExchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    assert.equal(statusOf(reply), 405, JSON.stringify(reply));
    assert.match(reply, /not a proxy/);
  });

  it('checks its timeouts and sizes', () => {
    assert.throws(() => new HttpServer({ headersTimeout: 2 ** 31 }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /headersTimeout 2147483648/ });
    assert.throws(() => new HttpServer({ headersTimeout: 5000, requestTimeout: 1000 }), /requestTimeout 1000: it must be ≥ headersTimeout/);
    assert.throws(() => new HttpServer({ maxHeaderSize: 10 }), /maxHeaderSize 10/);
    assert.throws(() => new HttpServer({ maxConcurrent: 0 }), /maxConcurrent 0/);
  });
});

describe('regression: the agent\'s /healthz takes only GET and HEAD', () => {
  let agent: Agent | undefined;
  before(async () => {
    agent = await startAgent({ listen: '127.0.0.1:0', process: false, log: () => undefined });
  });
  after(() => agent?.close());

  it('405 with Allow for POST (was 200 ok), headers only for HEAD', async () => {
    const url = `${agent?.url}/healthz`;
    const post = await get(url, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    const head = await get(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal((await get(url)).body.toString(), 'ok\n');
  });
});
