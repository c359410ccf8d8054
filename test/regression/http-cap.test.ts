/**
 * Issue #8 §3: 50 concurrent scrapes ran at once (RSS 1.4 GB, /healthz slow). The server caps
 * requests in progress on non-public paths: one more gets 503 with Retry-After, counted;
 * /healthz is never capped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { parseAgentArgs } from '../../src/cli/main.js';
import { HttpServer, REJECTED_REQUESTS_METRIC } from '../../src/http/index.js';
import { render } from '../../src/prometheus/index.js';
import { get } from '../helpers/scrape.js';

describe('regression: concurrent requests are capped', () => {
  const registry = new Registry();
  const server = new HttpServer({ port: 0, maxConcurrent: 2, metrics: registry });
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  let entered = 0;
  let bothIn: () => void = () => undefined;
  const twoEntered = new Promise<void>((r) => (bothIn = r));
  server.route('/slow', async (_q, s) => {
    entered++;
    // a third one getting here means there was no cap: answer at once so the test fails, not hangs
    if (entered > 2) return void s.end('entered');
    if (entered === 2) bothIn();
    await released;
    s.end('done');
  });
  server.route('/healthz', (_q, s) => void s.end('ok'));
  let base = '';
  before(async () => {
    await server.listen();
    base = server.url();
  });
  after(() => server.close());

  it('answers 503 with Retry-After beyond maxConcurrent, keeps /healthz open, and counts it', async () => {
    const first = [get(`${base}/slow`), get(`${base}/slow`)];
    await twoEntered;
    assert.equal(server.inProgress, 2);
    const third = await get(`${base}/slow`);
    assert.equal(third.status, 503, third.body.toString());
    assert.equal(third.headers['retry-after'], '1');
    assert.match(third.body.toString(), /busy: 2 requests in progress/);
    assert.equal((await get(`${base}/healthz`)).status, 200, 'the probe is never capped');
    assert.match(render(registry), new RegExp(`^${REJECTED_REQUESTS_METRIC}\\{reason="busy"\\} 1$`, 'm'));
    release();
    for (const r of await Promise.all(first)) assert.equal(r.body.toString(), 'done');
    assert.equal(server.inProgress, 0);
    entered = 0;
    const again = await get(`${base}/slow`);
    assert.equal(again.status, 200, 'slots are given back');
  });

  it('the agent takes --max-concurrent, by the one number rule', () => {
    assert.equal((parseAgentArgs(['--max-concurrent', '4']) as { maxConcurrent?: number }).maxConcurrent, 4);
    assert.throws(() => parseAgentArgs(['--max-concurrent', '0']), /invalid --max-concurrent 0/);
    assert.throws(() => parseAgentArgs(['--max-concurrent', '1e3']), /invalid --max-concurrent "1e3"/);
  });
});
