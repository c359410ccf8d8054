/* The shim's Pushgateway sends what prom-client's sends, to a real HTTP server on port 0. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import promClient from 'prom-client';
import * as shim from '../../src/prom-client/index.js';

type Lib = typeof shim;
const real = promClient as unknown as Lib;

interface Seen { method: string; url: string; body: string }

describe('meterkit/prom-client Pushgateway against prom-client', () => {
  let server: Server;
  let base = '';
  let seen: Seen[] = [];
  let status = 202;
  before(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const raw = Buffer.concat(parts);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.writeHead(status).end(status >= 400 ? 'nope' : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function run(lib: Lib): Promise<Seen[]> {
    seen = [];
    const reg = new lib.Registry();
    new lib.Counter({ name: 'pushed_total', help: 'p', registers: [reg] }).inc(3);
    const gw = new lib.Pushgateway(base, {}, reg);
    await gw.pushAdd({ jobName: 'batch job', groupings: { instance: 'a/b' } });
    await gw.push({ jobName: 'j' });
    await gw.delete({ jobName: 'j', groupings: { x: 'y' } });
    await new lib.Pushgateway(base, { headers: { 'Content-Encoding': 'gzip' } }, reg).push({ jobName: 'gz' });
    assert.throws(() => gw.push({}), /Missing jobName parameter/);
    status = 500;
    await assert.rejects(gw.push({ jobName: 'j' }), /push failed with status 500, nope/);
    status = 202;
    return seen;
  }

  it('same methods, paths (escaped groupings under the gateway path), bodies and errors', async () => {
    const a = await run(real);
    const b = await run(shim);
    assert.deepEqual(b, a);
    assert.equal(b[0]?.url, '/prefix/metrics/job/batch%20job/instance/a%2Fb');
    assert.match(b[0]?.body ?? '', /pushed_total 3/);
  });
});
