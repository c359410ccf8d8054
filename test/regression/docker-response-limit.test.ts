/**
 * Issue #8 §3: the engine's answers were read whole into memory (a 300 MB container list took
 * RSS to 378 MiB). Now an answer longer than its limit (16 MiB for a list by default) is aborted
 * while it arrives, with an error naming the limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { DockerCollector } from '../../src/collectors/docker/index.js';
import { BASE_ROUTES, fakeEngine } from '../helpers/podman.js';

const CHUNK = Buffer.from(`${'{"Id":"0123456789abcdef","Names":["/x"]},'.repeat(1600)}`); // ~64 KiB
const TOTAL = 40 << 20;

describe('regression: an oversized engine answer is cut off, not buffered', () => {
  let eng: Awaited<ReturnType<typeof fakeEngine>>;
  let sent = 0;
  before(async () => {
    eng = await fakeEngine({
      ...BASE_ROUTES,
      '/containers/json': (res) => {
        // a 40 MiB list, written as fast as the reader takes it
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('[');
        const pump = (): void => {
          while (sent < TOTAL) {
            sent += CHUNK.length;
            if (!res.write(CHUNK)) return void res.once('drain', pump);
          }
          res.end('{"Id":"last"}]');
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      },
    });
  });
  after(() => eng.remove());

  it('aborts the list past the default 16 MiB limit and says so', async () => {
    const dc = new DockerCollector(new Registry(), { url: eng.url, log: () => undefined });
    await dc.update();
    assert.match(dc.lastError ?? '', /larger than the 16777216-byte limit \(maxResponseBytes\)/);
    assert.ok(sent < TOTAL, `the engine was cut off after ${sent} bytes`);
    await dc.close();
  });

  it('the limit is an option', async () => {
    sent = 0;
    const dc = new DockerCollector(new Registry(), { url: eng.url, log: () => undefined, maxResponseBytes: { list: 100_000 } });
    await dc.update();
    assert.match(dc.lastError ?? '', /larger than the 100000-byte limit/);
    await dc.close();
  });
});
