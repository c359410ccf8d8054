/**
 * #15 review, finding 8: a receiver may refuse a body that is too large with an early `413`
 * (before it has read the body) and reset the connection. A status that arrived is the
 * answer (src/http/post-client.ts), not the write error that follows it: 413 is not retried
 * and the samples are counted failed. (On Linux loopback the status reaches the client before
 * the reset, so the code before the fix passed this too: it guards the behaviour, it does not
 * reproduce a failure.)
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from '../../src/index.js';
import { REMOTE_WRITE_METRICS, RemoteWriter } from '../../src/remote-write/index.js';

function metric(reg: Registry, name: string): number {
  let n = 0;
  reg.family(name)?.forEachSeries((s) => (n += s.kind === 'histogram' ? s.count : s.value));
  return n;
}

describe('remote write: an early 413 and a reset connection', () => {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    // answer before reading the body, then drop the connection with the body unread (a reset)
    res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
    res.end('request entity too large', () => req.socket.destroy());
  });
  const writers: RemoteWriter[] = [];
  after(async () => {
    for (const w of writers) await w.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is a refusal (counted failed, not retried), not a network error retried for ever', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
    const reg = new Registry({ cardinalityLimit: 100_000 });
    // incompressible label values: a body of several MB, still being written when the 413 comes
    for (let i = 0; i < 20_000; i++) reg.counter('jobs_total', { id: randomBytes(96).toString('base64') }).increment(1);
    const metrics = new Registry();
    const w = new RemoteWriter({ url, source: reg, metrics, sendMetadata: false, maxSamplesPerSend: 20_000, minBackoff: 5, maxBackoff: 10, flushDeadline: 50, onError: () => {} });
    writers.push(w);
    await w.snapshot();
    // settled either way: failed (the fix) or retried (the bug); bounded by 10 s
    for (let i = 0; i < 1000 && metric(metrics, REMOTE_WRITE_METRICS.failed) + metric(metrics, REMOTE_WRITE_METRICS.retried) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.retried), 0, 'the 413 was lost behind the reset and the batch sent again');
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.failed), 20_000);
    assert.equal(requests, 1);
  });
});
