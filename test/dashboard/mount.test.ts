import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { mountDashboard } from '../../src/cli/dashboard.js';
import type { DashboardFeatures } from '../../src/cli/dashboard.js';
import { ErrorCode } from '../../src/core/errors.js';
import { Registry } from '../../src/core/registry.js';
import { HttpServer } from '../../src/http/index.js';

const OFF: DashboardFeatures = { process: false, docker: false, proxy: false, monitor: false, notify: false, stream: false };

function open(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(url, resolve).on('error', reject).end());
}

describe('mountDashboard', () => {
  const reg = new Registry();
  const server = new HttpServer({ port: 0 });
  let dashboard: { close(): Promise<void> };
  let base = '';
  before(async () => {
    reg.counter('a_total').increment(1);
    reg.counter('b_total').increment(1);
    dashboard = mountDashboard(server, reg, () => OFF, { log: () => undefined, maxClients: 1, maxWatched: 1 });
    await server.listen();
    base = server.url();
  });
  after(async () => {
    await dashboard.close();
    await server.close();
  });

  it('passes maxWatched to the history', async () => {
    const r = await fetch(`${base}/api/v1/history?series=a_total&series=b_total`);
    assert.equal(r.status, 429);
    assert.match(((await r.json()) as { error: string }).error, /at most 1 /);
  });

  it('passes maxClients to the event streams', async () => {
    const first = await open(`${base}/api/v1/events?series=a_total`);
    try {
      assert.equal(first.statusCode, 200);
      const second = await fetch(`${base}/api/v1/events?series=a_total`);
      assert.equal(second.status, 503);
      await second.body?.cancel();
    } finally {
      first.destroy();
    }
  });

  it('checks both as whole numbers', () => {
    for (const bad of [{ maxWatched: 0 }, { maxClients: 1.5 }]) {
      const s = new HttpServer({ port: 0 });
      assert.throws(() => mountDashboard(s, new Registry(), () => OFF, { log: () => undefined, ...bad }), (e: Error & { code?: string }) => e.code === ErrorCode.InvalidArgument && e.message.includes(Object.keys(bad)[0] as string));
    }
  });
});
