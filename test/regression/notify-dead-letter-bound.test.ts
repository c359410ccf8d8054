/**
 * The memory queue's dead-letter store was bounded in count (`maxDeadLetters`, oldest dropped
 * and counted); the SQLite and JetStream stores were not: an endpoint that answers 400 to
 * everything grew the `dead_letters` table, or the dead-letter stream, without end. Now all
 * three follow one rule (queue-state.ts `deadLettersOver`), checked here against the real
 * SQLite and the real nats-server (`-js`).
 */
import { after, before, describe, it } from 'node:test';
import { JetStreamQueue, SqliteQueue } from '../../src/notify/index.js';
import { startNatsServer } from '../helpers/nats.js';
import type { NatsServer } from '../helpers/nats.js';
import { checkDeadLetterBound } from '../helpers/queue-conformance.js';
import { needs, tempDir } from '../helpers/tools.js';

const dir = tempDir('dead-bound');
const skip = needs('nats-server').skip;
let server: NatsServer | undefined;
before(async () => {
  if (skip === undefined) server = await startNatsServer(['-js', '-sd', dir.dir]);
});
after(async () => {
  await server?.stop();
  dir.remove();
});

describe('regression: every dead-letter store is bounded per endpoint', () => {
  it('sqlite', () => checkDeadLetterBound(async (maxPending, maxDeadLetters) => SqliteQueue.open({ stateDir: `${dir.dir}/sqlite`, maxPending, maxDeadLetters })));

  it('nats JetStream', { skip }, () =>
    checkDeadLetterBound((maxPending, maxDeadLetters) => JetStreamQueue.open({ servers: (server as NatsServer).url, stream: 'DEADBOUND', subjectPrefix: 'deadbound', maxPending, maxDeadLetters })));

  it('nats JetStream: a dead-letter stream made without the bound gets it at open', { skip }, async () => {
    const url = (server as NatsServer).url;
    // made with another bound (an older meterkit set none): the next open sets its own
    const old = await JetStreamQueue.open({ servers: url, stream: 'DEADOLD', subjectPrefix: 'deadold' });
    await old.close();
    await checkDeadLetterBound((maxPending, maxDeadLetters) => JetStreamQueue.open({ servers: url, stream: 'DEADOLD', subjectPrefix: 'deadold', maxPending, maxDeadLetters }));
  });
});
