import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MeterkitError } from '../../src/index.js';
import { MemoryQueue, SqliteQueue } from '../../src/notify/index.js';
import { describeQueueConformance, ev, ids } from '../helpers/queue-conformance.js';
import { tempDir } from '../helpers/tools.js';

const dirs: Array<{ remove: () => void }> = [];
after(() => {
  for (const d of dirs) d.remove();
});

function stateDir(): string {
  const t = tempDir('notify-q');
  dirs.push(t);
  return t.dir;
}

describeQueueConformance('memory', async (maxPending, maxDeadLetters) => new MemoryQueue({ maxPending, maxDeadLetters }));
describeQueueConformance('sqlite', async (maxPending, maxDeadLetters) => SqliteQueue.open({ stateDir: stateDir(), maxPending, maxDeadLetters }));

describe('notify queue: sqlite durability', () => {
  it('keeps pending events, leases lost, and dead letters across a reopen; one process per directory', async () => {
    const dir = stateDir();
    const q = await SqliteQueue.open({ stateDir: dir });
    await q.append([{ endpoint: 'a', events: [ev('1'), ev('2'), ev('3')] }]);
    const b = await q.take('a', 1);
    await q.deadLetter('a', b, { kind: 'attempts', message: 'x', attempts: 10 });
    await q.take('a', 1); // leased, never acked: taken again after the reopen
    await assert.rejects(SqliteQueue.open({ stateDir: dir }), (err: unknown) => err instanceof MeterkitError && err.code === 'ERR_METERKIT_NOTIFY_QUEUE' && /locked|busy/i.test(err.message));
    await q.close();
    const r = await SqliteQueue.open({ stateDir: dir });
    assert.equal(r.pending('a'), 2);
    assert.equal(r.deadLetterCount('a'), 1);
    assert.deepEqual(ids(await r.take('a', 10)), ['2', '3']);
    assert.deepEqual((await r.deadLetters()).map((d) => d.event.id), ['1']);
    await r.close();
  });
});
