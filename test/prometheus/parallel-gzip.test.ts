/**
 * The gzip of a scrape is built from pieces deflated side by side (parallel-gzip.ts). Checked
 * with GNU gzip, an inflater and a gzip reader that share no code with Node's zlib, which first
 * shows it rejects a body with a wrong CRC.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { Registry } from '../../src/index.js';
import { HttpServer } from '../../src/http/index.js';
import { createMetricsHandler } from '../../src/prometheus/index.js';
import { render, renderBuffers } from '../../src/prometheus/render.js';
import { ParallelGzip, crc32js } from '../../src/prometheus/parallel-gzip.js';
import { Flight } from '../../src/prometheus/shared-render.js';
import type { RunningPrometheus } from '../helpers/prometheus.js';
import { startPrometheus } from '../helpers/prometheus.js';
import { needs, waitFor } from '../helpers/tools.js';

const hasGzip = spawnSync('gzip', ['--version']).status === 0;
const needsGzip = hasGzip || process.env.CI === 'true' ? {} : { skip: 'needs GNU gzip on PATH' };

/** GNU gzip's verdict and output for `body`. */
function gunzip(body: Buffer): { ok: boolean; out: Buffer; err: string } {
  const r = spawnSync('gzip', ['-dc'], { input: body });
  return { ok: r.status === 0, out: r.stdout, err: r.stderr.toString() };
}

async function gzipPieces(pieces: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const gz = new ParallelGzip((b) => out.push(b));
  for (const p of pieces) await gz.write(p);
  await gz.end();
  return Buffer.concat(out);
}

describe('parallel gzip', () => {
  it('the JavaScript CRC-32 agrees with zlib, whole and in parts', () => {
    const data = randomBytes(100_000);
    assert.equal(crc32js(new Uint8Array(0), 0), 0);
    assert.equal(crc32js(Buffer.from('123456789'), 0), 0xcbf43926); // the standard check value
    const z = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
    if (z !== undefined) assert.equal(crc32js(data, 0), z(data, 0));
    assert.equal(crc32js(data.subarray(40_000), crc32js(data.subarray(0, 40_000), 0)), crc32js(data, 0));
  });

  it('GNU gzip rejects a body whose CRC is wrong (the oracle can fail)', needsGzip, async () => {
    const body = await gzipPieces([Buffer.from('a line\n'.repeat(1000))]);
    assert.equal(gunzip(body).ok, true);
    const bad = Buffer.from(body);
    bad[bad.length - 8] = (bad[bad.length - 8] as number) ^ 0xff;
    const r = gunzip(bad);
    assert.equal(r.ok, false);
    assert.match(r.err, /crc/i);
  });

  it('many pieces (more than are compressed at once, some empty) make one valid gzip body', needsGzip, async () => {
    const pieces = Array.from({ length: 40 }, (_, i) => (i % 7 === 3 ? Buffer.alloc(0) : Buffer.concat([randomBytes(i * 50), Buffer.from(`line ${i}\n`.repeat(i * 20))])));
    const body = await gzipPieces(pieces);
    const r = gunzip(body);
    assert.equal(r.ok, true, r.err);
    assert.deepEqual(r.out, Buffer.concat(pieces));
    assert.deepEqual(zlib.gunzipSync(body), Buffer.concat(pieces));
  });

  it('no pieces: a valid empty body', needsGzip, async () => {
    const r = gunzip(await gzipPieces([]));
    assert.equal(r.ok, true, r.err);
    assert.equal(r.out.length, 0);
  });

  it('a gzip flight over a render in small slices gives render() exactly', needsGzip, async () => {
    const reg = new Registry();
    for (let i = 0; i < 3000; i++) reg.counter('requests_total', { route: `/r/${i}`, code: String(200 + (i % 5)) }).increment(i);
    reg.histogram('latency_seconds', { route: 'é"\\' }).record(0.25);
    const flight = new Flight(renderBuffers(reg, { sliceSize: 97 }), true, () => undefined);
    const chunks: Buffer[] = [];
    for await (const c of flight.reader()) chunks.push(c as Buffer);
    const r = gunzip(Buffer.concat(chunks));
    assert.equal(r.ok, true, r.err);
    assert.equal(r.out.toString('utf8'), render(reg));
  });
});

describe('a real Prometheus reads a gzip body of many pieces', { ...needs('prometheus') }, () => {
  const registry = new Registry();
  const server = new HttpServer({ port: 0 });
  let prom: RunningPrometheus | undefined;

  before(async () => {
    for (let i = 0; i < 500; i++) registry.counter('pieces_total', { id: String(i) }).increment(i);
    // 500 series in slices of 7: about 70 pieces in one body (Prometheus always asks for gzip)
    server.route('/metrics', createMetricsHandler(registry, { sliceSize: 7 }));
    await server.listen();
    prom = await startPrometheus(new URL(server.url()).host, 'pieces', { interval: '1s', timeout: '1s' });
  });
  after(async () => {
    await prom?.stop();
    await server.close();
  });

  it('stores every series with its value', async () => {
    const p = prom as RunningPrometheus;
    const count = await waitFor(() => p.query('count(pieces_total) == 500'), 30_000, '500 series stored');
    assert.equal(count[0]?.value[1], '500');
    const sum = await p.query('sum(pieces_total)');
    assert.equal(sum?.[0]?.value[1], String((499 * 500) / 2));
    const up = await p.query('up{job="pieces"}');
    assert.equal(up?.[0]?.value[1], '1');
  });
});
