/** An https: endpoint: a receiver with a self-signed certificate is refused unless `ca` names it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MeterkitError } from '../../src/index.js';
import { Broadcaster } from '../../src/notify/index.js';
import { until } from '../helpers/backends.js';
import { needs, run, tempDir } from '../helpers/tools.js';

describe('notify over https', () => {
  const dir = tempDir('notify-tls');
  const closing: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of closing.reverse()) await c();
    dir.remove();
  });

  it('delivers to a receiver whose certificate the endpoint `ca` holds; without it, attempts are Errors', needs('openssl'), async () => {
    const key = join(dir.dir, 'key.pem');
    const cert = join(dir.dir, 'cert.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const ids: string[] = [];
    const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        ids.push(...(JSON.parse(body) as { events: Array<{ id: string }> }).events.map((e) => e.id));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closing.push(() => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const ca = readFileSync(cert, 'utf8');
    const b = new Broadcaster({ endpoints: [{ name: 'trusted', url, ca }, { name: 'default', url, threshold: 1000, maxAttempts: 2 }] });
    closing.push(() => b.close());
    await b.write({ id: 'tls-1', action: 'a.b', target: { type: 't', id: '1' } });
    await until(() => b.vars().endpoints.every((e) => e.Metrics.Pending === 0), 'both endpoints to settle');
    assert.deepEqual(ids, ['tls-1'], 'only the endpoint with the ca delivered');
    assert.equal(b.vars().endpoints[1]?.Metrics.Errors, 2);
    assert.equal(b.vars().endpoints[0]?.CustomCA, true);
    const [dead] = await b.deadLetters();
    assert.match(dead?.reason.message ?? '', /self.signed|certificate/i);
    assert.throws(() => new Broadcaster({ endpoints: [{ name: 'x', url: 'http://127.0.0.1:1/', ca }] }), (err: unknown) => err instanceof MeterkitError && /https: URLs only/.test(err.message));
    assert.throws(() => new Broadcaster({ endpoints: [{ name: 'x', url, ca: 'not pem' }] }), (err: unknown) => err instanceof MeterkitError && /PEM/.test(err.message));
  });
});
