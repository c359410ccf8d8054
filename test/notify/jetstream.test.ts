import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JetStreamQueue } from '../../src/notify/index.js';
import type { JetStreamQueueOptions } from '../../src/notify/index.js';
import { startNatsServer } from '../helpers/nats.js';
import type { NatsServer } from '../helpers/nats.js';
import { describeQueueConformance, ev, ids } from '../helpers/queue-conformance.js';
import { needs, tempDir } from '../helpers/tools.js';

const skip = needs('nats-server').skip;
let server: NatsServer | undefined;
const store = tempDir('notify-js');
let n = 0;

before(async () => {
  if (skip === undefined) server = await startNatsServer(['-js', '-sd', store.dir]);
});
after(async () => {
  await server?.stop();
  store.remove();
});

/** A queue on its own streams and subjects, so every test starts empty. */
function open(extra: Partial<JetStreamQueueOptions> = {}): Promise<JetStreamQueue> {
  n++;
  return JetStreamQueue.open({ servers: (server as NatsServer).url, stream: `T${n}`, subjectPrefix: `t${n}`, ...extra });
}

if (skip === undefined) describeQueueConformance('nats', (maxPending) => open({ maxPending }));

describe('notify queue: nats specifics', { skip }, () => {
  it('redelivers events leased by a worker that stopped renewing, once ackWait has passed', async () => {
    const a = await open({ ackWait: 1000 });
    const b = await JetStreamQueue.open({ servers: (server as NatsServer).url, stream: `T${n}`, subjectPrefix: `t${n}`, ackWait: 1000 });
    await a.append([{ endpoint: 'e', events: [ev('1'), ev('2'), ev('3')] }]);
    const leased = await a.take('e', 2);
    assert.deepEqual(ids(leased), ['1', '2']);
    assert.deepEqual(ids(await b.take('e', 10)), ['3'], 'a lease is held');
    // a is "killed": its connection ends without acking or handing back
    await (a as unknown as { nc: { close(): Promise<void> } }).nc.close();
    const ac = new AbortController();
    await b.waitFor('e', 2, ac.signal);
    const again = await b.take('e', 10);
    assert.deepEqual(ids(again), ['1', '2']);
    await b.close();
  });
});
