/*
 * Regression (issue #8 §2): nodejs_active_{handles,resources}{type} kept a series at 0 for
 * every type ever seen. prom-client resets the gauge on each collection, so a type that
 * vanished has no series; so must ours.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { collectProcessMetrics } from '../../src/collectors/process/index.js';

/** The `type` label values a family holds now. */
function types(reg: Registry, name: string): string[] {
  const out: string[] = [];
  reg.family(name)?.forEachSeries((_s, values) => out.push(values[0] as string));
  return out;
}

const activeHandles = (): unknown[] => (process as unknown as { _getActiveHandles: () => unknown[] })._getActiveHandles();

/** Resolves once libuv no longer lists `server` (its handle closes a turn after the close callback). */
async function handleGone(server: Server): Promise<void> {
  while (activeHandles().includes(server)) await new Promise((resolve) => setImmediate(resolve));
}

describe('regression: process collector drops vanished types', () => {
  it('removes nodejs_active_handles{type="Server"} and nodejs_active_resources{type="TCPServerWrap"} once the server is gone', async () => {
    const reg = new Registry();
    const pc = collectProcessMetrics(reg);
    try {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      await reg.collect();
      assert.ok(types(reg, 'nodejs_active_handles').includes('Server'), 'the listening server is counted');
      assert.ok(types(reg, 'nodejs_active_resources').includes('TCPServerWrap'), 'its resource is counted');
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      await handleGone(server);
      await reg.collect();
      assert.ok(!types(reg, 'nodejs_active_handles').includes('Server'), `no Server series left: ${types(reg, 'nodejs_active_handles').join(',')}`);
      assert.ok(!types(reg, 'nodejs_active_resources').includes('TCPServerWrap'), 'no TCPServerWrap series left');
      // a type that comes back is counted again
      const again = createServer();
      await new Promise<void>((resolve) => again.listen(0, '127.0.0.1', resolve));
      await reg.collect();
      assert.equal(reg.view(reg.gauge('nodejs_active_handles', { type: 'Server' })).value, 1);
      await new Promise<void>((resolve) => again.close(() => resolve()));
    } finally {
      await pc.close();
    }
  });
});
