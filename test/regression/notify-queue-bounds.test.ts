/**
 * Regression (review of #12): DESIGN.md "Bounded queues everywhere, drops counted as metrics —
 * never silent, never unbounded by default"; README: "Both are bounded (maxPending …): a write
 * that would pass the bound is refused whole".
 * - replay() appends dead letters back without checking the bound: an endpoint's list ends
 *   above maxPending (memory and SQLite alike);
 * - the dead-letter store has no bound at all: an endpoint that answers 400 to everything
 *   moves every event into the in-memory `dead` array, which grows until the process dies.
 * They failed before the fix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { NotifyEvent, NotifyQueue } from '../../src/notify/index.js';
import { MemoryQueue, SqliteQueue, normalizeEvent } from '../../src/notify/index.js';

const dir = mkdtempSync(join(tmpdir(), 'r12-bounds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const src = { instance: 't', addr: '127.0.0.1:0' };
const evs = (n: number, from: number): NotifyEvent[] => Array.from({ length: n }, (_, i) => normalizeEvent({ id: `e${from + i}`, action: 'x.y', target: { type: 't', id: String(i) } }, src));

async function deadLetterAll(q: NotifyQueue, n: number, from: number): Promise<void> {
  await q.append([{ endpoint: 'a', events: evs(n, from) }]);
  const batch = await q.take('a', n);
  await q.deadLetter('a', batch, { kind: 'status', status: 400, message: '400 Bad Request', attempts: 1 });
}

describe('notify queues: the bound holds for replays and dead letters', () => {
  for (const kind of ['memory', 'sqlite'] as const) {
    it(`${kind}: replay does not push a list past maxPending`, async () => {
      const q: NotifyQueue = kind === 'memory' ? new MemoryQueue({ maxPending: 4 }) : await SqliteQueue.open({ stateDir: join(dir, 'replay'), maxPending: 4 });
      try {
        await deadLetterAll(q, 4, 0);
        await q.append([{ endpoint: 'a', events: evs(4, 100) }]);
        assert.equal(q.pending('a'), 4);
        let refused: unknown;
        await q.replay().catch((err: unknown) => (refused = err));
        assert.ok(refused !== undefined || q.pending('a') <= 4, `replay left ${q.pending('a')} events pending, bound 4, and was not refused`);
      } finally {
        await q.close();
      }
    });
  }

  it('memory: the dead-letter store is bounded (an endpoint refusing everything cannot grow it forever)', async () => {
    const q = new MemoryQueue({ maxPending: 10 });
    try {
      for (let i = 0; i < 10; i++) await deadLetterAll(q, 10, i * 10);
      assert.ok(q.deadLetterCount('a') <= 10, `the in-memory dead letters hold ${q.deadLetterCount('a')} events with maxPending 10: no bound, nothing dropped or counted`);
      assert.equal(q.deadLettersDropped('a'), 90, 'the drops are counted');
      assert.deepEqual((await q.deadLetters()).map((d) => d.event.id), Array.from({ length: 10 }, (_, i) => `e${90 + i}`), 'the newest are kept');
    } finally {
      await q.close();
    }
  });
});
