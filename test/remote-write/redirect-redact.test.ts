/**
 * Redirects and redaction of the remote writer (#15 review findings 6, 7): a 307/308 is
 * followed with the same body as Prometheus does (Go's client: credentials not sent past the
 * first origin), and a credential in the URL's query appears neither in errors nor in the
 * `url` label of the writer's metrics.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from '../../src/index.js';
import { REMOTE_WRITE_METRICS, RemoteWriter } from '../../src/remote-write/index.js';
import { render } from '../../src/prometheus/index.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';

describe('remote write: redirects and redaction', () => {
  // closed last-opened first: writers before the servers they send to
  const open: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of open.reverse()) await close();
  });
  const receivers = { push: (r: WriteReceiver): number => open.push(() => r.close()) };
  const writers = { push: (w: RemoteWriter): number => open.push(() => w.close()) };
  const servers = {
    push: (s: Server): number =>
      open.push(async () => {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }),
  };

  /** A server that redirects every POST to `to()` with `status`, recording the headers it got. */
  async function redirector(status: number, to: () => string, seen: IncomingHttpHeaders[]): Promise<string> {
    const server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { location: to() });
        res.end();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('follows 307 with the same body; Authorization is not sent to another origin', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const seen: IncomingHttpHeaders[] = [];
    // 127.0.0.1 → localhost: another origin (host differs), as Go's rule sees it
    const target = rx.url.replace('127.0.0.1', 'localhost');
    const url = `${await redirector(307, () => target, seen)}/api/v1/write`;
    const reg = new Registry();
    reg.counter('jobs_total').increment(2);
    const w = new RemoteWriter({ url, source: reg, metrics: new Registry(), sendMetadata: false, auth: { token: 'tok' }, headers: { 'X-Scope-OrgID': 't1' }, onError: () => {} });
    writers.push(w);
    await w.flush();
    assert.equal(seen[0]?.authorization, 'Bearer tok');
    assert.deepEqual(rx.accepted().map((s) => s.value), [2]);
    assert.equal(rx.requests[0]?.headers.authorization, undefined, 'credentials stay with the origin they were given for');
    assert.equal(rx.requests[0]?.headers['x-scope-orgid'], 't1', 'other headers follow (Go keeps them)');
  });

  it('stops after 10 redirects (an error, retried with backoff), not an endless loop; the query credential is not in the error', async () => {
    const seen: IncomingHttpHeaders[] = [];
    let self = '';
    self = await redirector(308, () => `${self}/loop`, seen);
    const reg = new Registry();
    reg.counter('jobs_total').increment(1);
    const errors: Error[] = [];
    const w = new RemoteWriter({ url: `${self}/api/v1/write?api_key=s3cr3t`, source: reg, metrics: new Registry(), sendMetadata: false, minBackoff: 5, maxBackoff: 5, flushDeadline: 50, onError: (e) => errors.push(e) });
    writers.push(w);
    await w.snapshot();
    for (let i = 0; i < 300 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.match(errors[0]?.message ?? '', /stopped after 10 redirects/);
    assert.doesNotMatch(errors[0]?.message ?? '', /s3cr3t/);
    assert.ok(seen.length >= 11);
  });

  it('a query credential is hidden in the url label of /metrics', async () => {
    const metrics = new Registry();
    const w = new RemoteWriter({ url: 'http://127.0.0.1:1/api/v1/write?api_key=s3cr3t&tenant=a', source: new Registry(), metrics, onError: () => {} });
    writers.push(w);
    const text = render(metrics);
    assert.match(text, new RegExp(`${REMOTE_WRITE_METRICS.shards}\\{[^}]*url="http://127\\.0\\.0\\.1:1/api/v1/write\\?api_key=\\(hidden\\)&tenant=\\(hidden\\)"`));
    assert.doesNotMatch(text, /s3cr3t/);
  });
});
