/**
 * Issue #10 (found by the proxy's test pass): removing a backend and adding it again while its
 * old connections were still open put two backends under one label set. The new backend's
 * tx_bytes_total showed the old total (a counter handle ignores a smaller absolute value), and
 * when the old connections closed, the old backend's unpublish removed the new backend's
 * series. A re-add now waits until the removed backend has drained: it is refused (REST: 409).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { MeterkitError, Registry } from '../../src/index.js';
import { Proxy } from '../../src/proxy/index.js';
import { render } from '../../src/prometheus/index.js';
import type { TestBackend } from '../helpers/backends.js';
import { dial, sampleValue, startBackend, until } from '../helpers/backends.js';

describe('regression: a removed backend cannot come back while it drains', () => {
  let backend: TestBackend | undefined;
  after(async () => {
    await backend?.stop();
  });

  it('refuses the re-add until the old connections closed, then starts from zero', async () => {
    const b = await startBackend('b', 'hold');
    backend = b;
    const reg = new Registry();
    const p = new Proxy({ metrics: reg, tick: 60_000 });
    const server = await p.addServer({ name: 'r', bind: '127.0.0.1:0', backends: [b.address] });
    const s = await dial(server.boundAddress().port);
    s.write(randomBytes(1000));
    await b.receivedAtLeast(1000);
    p.tick();
    assert.equal(sampleValue(render(reg), 'meterkit_proxy_tx_bytes_total', { server: 'r', backend: b.address }), 1000);
    assert.equal(server.removeBackend(b.address), true);
    assert.throws(
      () => server.addBackend(b.address),
      (err: unknown) => err instanceof MeterkitError && err.code === 'ERR_METERKIT_INVALID_ARGUMENT' && /still draining \(1 open connections\)/.test(err.message),
    );
    s.end();
    await until(() => server.activeClients() === 0, 'the old connection to close');
    assert.equal(sampleValue(render(reg), 'meterkit_proxy_tx_bytes_total', { server: 'r', backend: b.address }), undefined, 'unpublished once drained');
    const again = server.addBackend(b.address);
    assert.equal(again.tx, 0);
    p.tick();
    assert.equal(sampleValue(render(reg), 'meterkit_proxy_tx_bytes_total', { server: 'r', backend: b.address }), 0);
    await p.close();
  });
});
