/** Monitor.reconfigure: the detector, check interval and peer set change; windows are kept. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Monitor } from '../../src/monitor/index.js';

it('changes the peer set and keeps what it knows; refuses a bad option', async () => {
  let now = 1000;
  const m = new Monitor({ now: () => now, checkInterval: 1000 });
  try {
    m.logMetric({ name: 'ping', peer: 'p1', value: '1', ttl: 500 });
    m.start();
    // p2 is expected from now on: it never reported, p1's window is still there
    m.reconfigure({ checkInterval: 2000, peers: ['p1', 'p2'], detector: { kind: 'ttl' } });
    now += 1000;
    const alerts = m.check();
    assert.deepEqual(alerts.map((a) => [a.kind, a.peer]), [['down', 'p1']]);
    assert.equal(m.latest('ping', 'p1')?.value, '1');
    assert.throws(() => m.reconfigure({ checkInterval: -1 }), { code: 'ERR_METERKIT_INVALID_ARGUMENT' });
  } finally {
    await m.close();
  }
});
