/**
 * Regression (review of #12): http-sink.ts says "the status is the answer: a body cut short
 * after it changes nothing", but the attempt only settles on the answer's 'close'. A receiver
 * that sends `200 OK` and then never ends its body runs into the timeout timer, which reports
 * a TimeoutError: the batch the receiver accepted is counted as an Error and sent again (a
 * duplicate for every such answer, up to maxAttempts, then dead-lettered although delivered).
 * It failed before the fix.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { Broadcaster, MemoryQueue } from '../../src/notify/index.js';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('accepted, and more to come…'); // never ended
  });
});
let hits = 0;
after(() => {
  server.closeAllConnections();
  server.close();
});

describe('notify: a 200 whose body never ends', () => {
  it('is a success: not an Error, not sent again', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const b = new Broadcaster({ endpoints: [{ name: 'a', url, timeout: 200, backoff: 10, maxBackoff: 20, maxAttempts: 3 }], source: { instance: 't', addr: 'x' }, queue: new MemoryQueue() });
    try {
      await b.write({ id: 'ev-1', action: 'x.y', target: { type: 't', id: '1' } });
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && b.vars().endpoints[0]?.Metrics.Pending !== 0) await new Promise((r) => setTimeout(r, 20));
      const m = b.vars().endpoints[0]?.Metrics;
      assert.deepEqual({ hits, Successes: m?.Successes, Errors: m?.Errors, dead: (await b.deadLetters()).length }, { hits: 1, Successes: 1, Errors: 0, dead: 0 });
    } finally {
      await b.close();
    }
  });
});
