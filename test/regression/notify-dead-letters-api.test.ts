/**
 * Regression (#12 review, finding 11): GET /notify/v1/dead-letters accepted `limit` up to
 * 100 000 and built the whole answer as one pretty-printed string (each dead letter may hold a
 * 64 KiB event: gigabytes in one string). Now the limit is at most DEAD_LETTERS_LIMIT_MAX and
 * the answer is written as compact JSON a slice at a time (sendJsonArray). Failed before the
 * fix: limit=100000 was answered 200, and the body was pretty-printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEAD_LETTERS_LIMIT_MAX, NOTIFY_HTTP_BASE, createNotifyApi } from '../../src/cli/notify-api.js';
import { HttpServer } from '../../src/http/server.js';
import { Broadcaster, MemoryQueue, normalizeEvent } from '../../src/notify/index.js';

const queue = new MemoryQueue();
const b = new Broadcaster({ queue, endpoints: [{ name: 'hook', url: 'http://127.0.0.1:1/' }], deliver: false });
const server = new HttpServer({ port: 0 }).routeTree(NOTIFY_HTTP_BASE, createNotifyApi(b));
before(async () => {
  await server.listen();
  const src = { instance: 't', addr: 'a' };
  await queue.append([{ endpoint: 'hook', events: Array.from({ length: 3 }, (_, i) => normalizeEvent({ id: `d${i}`, action: 'a', target: { type: 't', id: String(i) } }, src)) }]);
  await queue.deadLetter('hook', await queue.take('hook', 3), { kind: 'status', status: 400, message: '400 Bad Request', attempts: 1 });
});
after(async () => {
  await server.close();
  await b.close();
});

describe('GET /notify/v1/dead-letters', () => {
  it(`refuses a limit over ${DEAD_LETTERS_LIMIT_MAX}, naming the bound`, async () => {
    const r = await fetch(`${server.url()}${NOTIFY_HTTP_BASE}/dead-letters?limit=100000`);
    assert.equal(r.status, 400);
    assert.match(await r.text(), new RegExp(String(DEAD_LETTERS_LIMIT_MAX)));
    assert.equal((await fetch(`${server.url()}${NOTIFY_HTTP_BASE}/dead-letters?limit=${DEAD_LETTERS_LIMIT_MAX}`)).status, 200);
  });

  it('writes the list as one compact JSON array, oldest first', async () => {
    const text = await (await fetch(`${server.url()}${NOTIFY_HTTP_BASE}/dead-letters?limit=2`)).text();
    assert.ok(text.startsWith('[{"endpoint":"hook"'), text.slice(0, 40));
    assert.deepEqual((JSON.parse(text) as Array<{ event: { id: string } }>).map((d) => d.event.id), ['d0', 'd1']);
  });
});
