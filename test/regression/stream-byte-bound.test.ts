/**
 * #8 §3: the stream bounded its queues in events only, so 64 KiB label values with a stalled
 * client held ~340 MiB. Queues are now bounded in bytes too.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { TcpBuilder } from '../../src/tcp/index.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('regression: stream memory is bounded in bytes', () => {
  it('a stalled client with 64 KiB label values queues at most bufferBytes', async () => {
    const limit = 1024 * 1024;
    const rec = await new TcpBuilder().listenAddress('127.0.0.1:0').bufferSize(1024).bufferBytes(limit).build();
    const socket = connect(rec.address().port, '127.0.0.1');
    try {
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.pause(); // stalled: reads nothing
      while (rec.stats().clients === 0) await turn();
      const big = 'v'.repeat(64 * 1024);
      const handles = Array.from({ length: 8 }, (_, i) => rec.registerGauge('wide', { i: String(i), payload: big }));
      let peak = 0;
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 50; i++) (handles[i % 8] as { set(v: number): void }).set(i);
        await turn();
        await turn();
        peak = Math.max(peak, rec.stats().queuedBytes);
      }
      const s = rec.stats();
      assert.ok(peak <= limit, `queued ${peak} bytes for one client, limit ${limit}`);
      assert.ok(s.droppedClient + s.droppedIngress > 0, 'the excess was dropped, and counted');
    } finally {
      socket.destroy();
      await rec.close();
    }
  });

  it('refuses a byte bound below 1 KiB with the rule', () => {
    assert.throws(() => new TcpBuilder().bufferBytes(10), /buffer bytes 10: it must be a whole number ≥ 1024/);
  });
});
