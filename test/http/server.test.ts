import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { parseHostPort } from '../../src/core/address.js';
import { HttpServer, authorized } from '../../src/http/index.js';
import { get } from '../helpers/scrape.js';

describe('HttpServer', () => {
  it('answers 404 (naming nothing), 500 when a handler throws, and keeps serving', async () => {
    const errors: unknown[] = [];
    const server = new HttpServer({ port: 0, onError: (e) => errors.push(e) });
    server.route('/ok', (_q, s) => void s.end('fine'));
    server.route('/boom', () => {
      throw new Error('kaput');
    });
    server.route('/late-boom', async (_q, s) => {
      s.writeHead(200);
      s.write('partial');
      throw new Error('after headers');
    });
    await server.listen();
    try {
      const nf = await get(`${server.url()}/missing`);
      assert.equal(nf.status, 404);
      assert.equal(nf.body.toString(), 'not found\n');
      assert.equal((await get(`${server.url()}/boom`)).status, 500);
      await assert.rejects(get(`${server.url()}/late-boom`));
      assert.equal(errors.length, 2);
      assert.equal((await get(`${server.url()}/ok?x=1`)).body.toString(), 'fine');
    } finally {
      await server.close();
    }
  });

  it('answers garbage with 400 and stays up', async () => {
    const server = new HttpServer({ port: 0 }).route('/ok', (_q, s) => void s.end('fine'));
    const { port } = await server.listen();
    try {
      const reply = await new Promise<string>((resolve) => {
        const sock = connect(port, '127.0.0.1', () => sock.write('\x00\x01GARBAGE\r\n\r\n'));
        let b = '';
        sock.on('data', (d) => (b += d.toString()));
        sock.on('close', () => resolve(b));
      });
      assert.match(reply, /^HTTP\/1.1 400 Bad Request/);
      assert.equal((await get(`${server.url()}/ok`)).body.toString(), 'fine');
    } finally {
      await server.close();
    }
  });

  it('checks credentials in constant time and parses addresses', () => {
    const auth = { token: 'tok', basic: { username: 'u', password: 'p:q' } };
    assert.equal(authorized('Bearer tok', auth), true);
    assert.equal(authorized('bearer tok', auth), true);
    assert.equal(authorized('Bearer to', auth), false);
    assert.equal(authorized(undefined, auth), false);
    assert.equal(authorized(`Basic ${Buffer.from('u:p:q').toString('base64')}`, auth), true);
    assert.equal(authorized(`Basic ${Buffer.from('u').toString('base64')}`, auth), false);
    assert.equal(authorized('Digest x', auth), false);
    assert.deepEqual(parseHostPort('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
    assert.deepEqual(parseHostPort('[::1]:9464'), { host: '::1', port: 9464 });
    assert.deepEqual(parseHostPort(':9464'), { host: '127.0.0.1', port: 9464 });
    assert.throws(() => parseHostPort('host:99999'), /port 0–65535/);
    assert.throws(() => new HttpServer({ auth: {} }), /token or basic/);
    assert.throws(() => new HttpServer({ auth: { token: '' } }), /must not be empty/);
    assert.throws(() => new HttpServer({ auth: { basic: { username: '', password: 'p' } } }), /non-empty/);
  });
});
