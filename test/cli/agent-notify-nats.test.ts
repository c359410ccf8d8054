/**
 * `--notify-queue nats://…` and `--notify-worker` with real processes on a real
 * `nats-server -js`: a producer agent queues what is posted to it, a worker agent delivers it
 * to a `meterkit webhook-listen`, signed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killAgents, spawnAgent } from '../helpers/agents.js';
import type { NatsServer } from '../helpers/nats.js';
import { startNatsServer } from '../helpers/nats.js';
import type { Listener } from '../helpers/webhook-listen.js';
import { spawnListener } from '../helpers/webhook-listen.js';
import { needs, tempDir } from '../helpers/tools.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('agent --notify-queue nats:// and --notify-worker', { ...needs('nats-server'), timeout: 180_000 }, () => {
  let server: NatsServer | undefined;
  let listener: Listener | undefined;
  const store = tempDir('notify-nats-agent');
  before(async () => {
    server = await startNatsServer(['-js', '-sd', store.dir]);
    listener = await spawnListener(['--secret', SECRET]);
  });
  after(async () => {
    await killAgents();
    await listener?.stop();
    await server?.stop();
    store.remove();
  });

  it('a producer queues on JetStream, a worker delivers', async () => {
    const nats = (server as NatsServer).url;
    const l = listener as Listener;
    const spec = `${l.url}/hook,name=ops,secret=${SECRET}`;
    const producer = await spawnAgent(['--notify', spec, '--notify-queue', nats], /notifications to ops/);
    assert.match(producer.log(), /queue nats on nats:\/\/127\.0\.0\.1:\d+, queued for the workers/);
    const ids = Array.from({ length: 30 }, (_, i) => `js-${i}`);
    const res = await fetch(`${producer.url}/notify/v1/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(ids.map((id) => ({ id, action: 'nats.test', target: { type: 't', id } }))),
    });
    assert.equal(res.status, 202);
    const worker = await spawnAgent(['--notify', spec, '--notify-queue', nats, '--notify-worker'], /notifications to ops/);
    assert.match(worker.log(), /delivering as a worker/);
    assert.equal((await fetch(`${worker.url}/notify/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[]' })).status, 404, 'a worker takes no events');
    const got = await l.waitForEvents(ids.length);
    assert.deepEqual([...new Set(got.map((e) => e.id))].sort(), [...ids].sort());
    await worker.stop();
    await producer.stop();
  });
});
