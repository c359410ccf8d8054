/**
 * Issue #9 §3: a Pushgateway that refused a push and then broke off its explanation gave
 * "answered 500: " and nothing more: `res.text().catch(() => '')` dropped why the body was
 * missing. The error now says the status and why there is no body.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { push } from '../../src/prometheus/index.js';

describe('regression: a failed push keeps its reason', () => {
  // answers 500, promises a 100-byte explanation, sends 7 bytes and hangs up
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'Content-Length': '100', 'Content-Type': 'text/plain' });
      res.write('partial', () => res.socket?.destroy());
    });
  });
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a 500 whose body breaks off names the status and why the body is missing', async () => {
    const reg = new Registry();
    reg.counter('pushed_total').increment();
    await assert.rejects(push(reg, { url, job: 'j' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_METERKIT_PUSH');
      assert.match(err.message, /answered 500: \(the reply body could not be read: \w+/);
      return true;
    });
  });
});
