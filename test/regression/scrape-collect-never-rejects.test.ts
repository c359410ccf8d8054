/**
 * Issue #8 §3 / #9 §3: the one inline-timeout policy (core/collect.ts) must never reject and
 * never lose a reason. Before: an `onInlineTimeout` hook that threw failed the scrape (500); a
 * sink that threw rejected the collect and left its timer running; an error hook that threw
 * was swallowed by a bare `catch {}`.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { CollectorSet } from '../../src/core/collect.js';
import { HttpServer } from '../../src/http/index.js';
import { createMetricsHandler } from '../../src/prometheus/index.js';
import { scrape } from '../helpers/scrape.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('regression: collect() never rejects and reports every failure', () => {
  it('a throwing onInlineTimeout hook is reported, and the scrape is served', async () => {
    const heard: string[] = [];
    const registry = new Registry({ collectTimeout: 10, onCollectorError: (name, err) => heard.push(`${name}: ${(err as Error).message}`) });
    let release!: () => void;
    registry.addCollector('hung', () => new Promise<void>((r) => (release = r)), {
      onInlineTimeout: () => {
        throw new Error('hook broke');
      },
    });
    registry.gauge('still_served').set(1);
    const server = new HttpServer({ port: 0, onError: (err) => heard.push(`http: ${String(err)}`) }).route('/metrics', createMetricsHandler(registry));
    await server.listen();
    try {
      const r = await scrape(`${server.url()}/metrics`);
      assert.equal(r.status, 200);
      assert.match(r.body.toString(), /^still_served 1$/m);
      assert.deepEqual(heard, ['hung: hook broke']);
    } finally {
      release();
      await server.close();
    }
  });

  it('a throwing sink neither rejects the collect nor leaves its timer behind', async () => {
    const heard: string[] = [];
    const set = new CollectorSet(
      {
        collectorFailed: () => {
          throw new Error('sink broke');
        },
        inlineTimeout: () => undefined,
      },
      (name, err) => heard.push(`${name}: ${(err as Error).message}`),
    );
    set.add('failing', () => {
      throw new Error('collector broke');
    });
    const before = timers();
    await set.collect(60_000);
    assert.equal(timers(), before, 'the inline-timeout timer is cleared');
    assert.deepEqual(heard, ['failing: sink broke', 'failing: collector broke']);
  });

  it('an error hook that throws becomes a process warning naming both reasons', async () => {
    const set = new CollectorSet({ collectorFailed: () => undefined, inlineTimeout: () => undefined }, () => {
      throw new Error('logger down');
    });
    set.add('disk', () => {
      throw new Error('disk on fire');
    });
    const warned = once(process, 'warning');
    await set.collect(1000);
    const [w] = (await warned) as [Error & { code?: string }];
    assert.equal(w.code, 'METERKIT_HOOK_FAILED');
    assert.match(w.message, /logger down/);
    assert.match(w.message, /"disk"/);
    assert.match(w.message, /disk on fire/);
  });
});
