/** The agent's /notify/v1 API in process: dead letters listed and replayed, 404 and 400 on bad queries, 503 when a list is full. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpServer } from '../../src/http/server.js';
import { Broadcaster, MemoryQueue } from '../../src/notify/index.js';
import { NOTIFY_HTTP_BASE, createNotifyApi } from '../../src/cli/notify-api.js';
import { startReceiver } from '../helpers/receiver.js';
import { waitFor } from '../helpers/tools.js';

describe('/notify/v1 API', () => {
  it('dead letters: list, 404 for an unknown endpoint, 400 for a bad limit, replay delivers; 503 when full', async () => {
    const rx = await startReceiver();
    rx.script([{ status: 400 }], { status: 200 });
    const b = new Broadcaster({ queue: new MemoryQueue({ maxPending: 3 }), endpoints: [{ name: 'hook', url: rx.url, maxAttempts: 1 }] });
    const server = new HttpServer({ port: 0 }).routeTree(NOTIFY_HTTP_BASE, createNotifyApi(b));
    await server.listen();
    const base = `${server.url()}${NOTIFY_HTTP_BASE}`;
    try {
      await b.write({ id: 'x1', action: 'a', target: { type: 't', id: 'i' } });
      await rx.requestsAtLeast(1);
      const list = async (q = ''): Promise<Response> => fetch(`${base}/dead-letters${q}`);
      // the 400 is answered before the dead letter is stored: poll the API as a user would
      const dead = await waitFor(async () => {
        const d = (await (await list('?endpoint=hook&limit=10')).json()) as Array<{ event: { id: string } }>;
        return d.length > 0 ? d : undefined;
      }, 30_000, 'the dead letter');
      assert.equal(dead[0]?.event.id, 'x1');
      assert.equal((await list('?endpoint=nope')).status, 404);
      assert.equal((await list('?limit=ten')).status, 400);
      assert.equal((await fetch(`${base}/dead-letters/replay`)).status, 405);
      const replay = await fetch(`${base}/dead-letters/replay?endpoint=hook`, { method: 'POST' });
      assert.deepEqual(await replay.json(), { replayed: 1 });
      await rx.deliveredAtLeast(1);
      assert.deepEqual(rx.delivered, ['x1']);
      assert.equal((await fetch(`${base}/other`)).status, 404);
      // a full list: 503 with Retry-After, and nothing of the request is stored
      rx.script([{ status: 200, delayMs: 60_000 }]);
      const post = (n: number): Promise<Response> =>
        fetch(`${base}/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(Array.from({ length: n }, () => ({ action: 'a', target: { type: 't', id: 'i' } }))) });
      const full = await post(4);
      assert.equal(full.status, 503);
      assert.equal(full.headers.get('retry-after'), '5');
      assert.match(((await full.json()) as { error: string }).error, /would pass its bound of 3/);
    } finally {
      await server.close();
      await b.close();
      await rx.close();
    }
  });
});
