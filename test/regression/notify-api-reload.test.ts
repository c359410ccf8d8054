/**
 * Regression: the /notify/v1 dead-letter routes checked `?endpoint=NAME` against the endpoint
 * names of start-up, so after a reload added an endpoint its dead letters answered 404 (and a
 * removed one's names were still accepted). Names are now read per request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NOTIFY_HTTP_BASE, createNotifyApi } from '../../src/cli/notify-api.js';
import { HttpServer } from '../../src/http/server.js';
import { Broadcaster, MemoryQueue } from '../../src/notify/index.js';

describe('notify API after the endpoints change', () => {
  const b = new Broadcaster({ queue: new MemoryQueue(), endpoints: [{ name: 'old', url: 'http://127.0.0.1:1/' }], deliver: false });
  const server = new HttpServer({ port: 0 }).routeTree(NOTIFY_HTTP_BASE, createNotifyApi(b));
  before(() => server.listen());
  after(async () => {
    await server.close();
    await b.close();
  });

  it('knows the endpoints of now', async () => {
    await b.reconfigure([{ name: 'new', url: 'http://127.0.0.1:1/' }]);
    const base = `${server.url()}${NOTIFY_HTTP_BASE}/dead-letters`;
    const added = await fetch(`${base}?endpoint=new`);
    assert.equal(added.status, 200, await added.text());
    const removed = await fetch(`${base}?endpoint=old`);
    assert.equal(removed.status, 404);
    assert.deepEqual(await removed.json(), { error: 'no endpoint named "old" (endpoints: new)' });
  });
});
