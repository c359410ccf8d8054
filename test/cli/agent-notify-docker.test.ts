/** The agent turns the Docker engine's container events into notifications (in process, a fake engine). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAgent } from '../../src/cli/agent.js';
import { BASE_ROUTES, fakeEngine } from '../helpers/podman.js';
import { startReceiver } from '../helpers/receiver.js';

describe('agent --docker --notify', () => {
  it('publishes container.die with the exit code, and stops following on close', async () => {
    const rx = await startReceiver();
    const die = { Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: { name: 'web', image: 'busybox', exitCode: '3' } }, time: 1_700_000_000, timeNano: 1_700_000_000_000_000_000 };
    const engine = await fakeEngine({ ...BASE_ROUTES, '/events': (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).write(`${JSON.stringify(die)}\n`) });
    const lines: string[] = [];
    const agent = await startAgent({ listen: '127.0.0.1:0', process: false, docker: { url: engine.url }, notify: { endpoints: [{ name: 'hook', url: rx.url }], queue: 'memory', stateDir: '' }, log: (l) => lines.push(l) });
    try {
      await rx.deliveredAtLeast(1);
      const body = JSON.parse(rx.requests[0]?.body ?? '') as { events: Array<{ action: string; target: unknown; data: unknown; timestamp: string }> };
      const e = body.events[0];
      assert.equal(e?.action, 'container.die');
      assert.deepEqual(e?.target, { type: 'container', id: 'c1', name: 'web' });
      assert.deepEqual(e?.data, { image: 'busybox', exitCode: 3 });
      assert.equal(e?.timestamp, '2023-11-14T22:13:20.000Z');
    } finally {
      await agent.close();
      await engine.remove();
      await rx.close();
    }
    assert.equal(lines.filter((l) => l.includes('Docker events')).length, 0, lines.join('\n'));
  });
});
