/**
 * The monitor's recent alerts (what the dashboard's alert timeline shows): the last 100 kept
 * whether anybody listens or not, newest first, across a reconfigure, and served by
 * `GET /monitor/v1/alerts` behind the server's auth.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpServer } from '../../src/http/server.js';
import { RECENT_ALERTS, RecentAlerts } from '../../src/monitor/alerts.js';
import { MONITOR_HTTP_BASE, createMonitorApi } from '../../src/monitor/http.js';
import { Monitor } from '../../src/monitor/monitor.js';
import type { Alert } from '../../src/monitor/types.js';

const alert = (i: number): Alert => ({ peer: `p${i}`, metric: 'ping', kind: 'down', time: i, lastSeen: i });

describe('RecentAlerts', () => {
  it('keeps the last cap alerts, newest first', () => {
    const r = new RecentAlerts(3);
    assert.deepEqual(r.list(), []);
    r.add(alert(1));
    r.add(alert(2));
    assert.deepEqual(r.list().map((a) => a.time), [2, 1]);
    for (let i = 3; i <= 7; i++) r.add(alert(i));
    assert.deepEqual(r.list().map((a) => a.time), [7, 6, 5]);
    assert.equal(RECENT_ALERTS, 100);
  });
});

describe('Monitor.recentAlerts and GET /monitor/v1/alerts', () => {
  const clock = { t: 1_700_000_000_000 };
  const monitor = new Monitor({ now: () => clock.t, onError: () => undefined });
  // behind a token: the alerts are served with the agent's auth, as the peers are
  const server = new HttpServer({ port: 0, auth: { token: 'tok' } }).routeTree(MONITOR_HTTP_BASE, createMonitorApi(monitor));
  before(() => server.listen());
  after(() => Promise.all([monitor.close(), server.close()]));

  it('records every flap with no listener, keeps them across a reconfigure, and serves them', async () => {
    // three outages of one peer, each over before anybody could have polled
    for (let i = 0; i < 3; i++) {
      monitor.logMetric({ name: 'ping', peer: 'a', ttl: 1000 });
      clock.t += 2000;
      monitor.check();
      clock.t += 10;
    }
    monitor.logMetric({ name: 'ping', peer: 'a', ttl: 1000 });
    monitor.reconfigure({ checkInterval: 5000 });
    const kinds = monitor.recentAlerts().map((a) => a.kind);
    assert.deepEqual(kinds, ['up', 'down', 'up', 'down', 'up', 'down']);
    assert.equal((await fetch(`${server.url()}/monitor/v1/alerts`)).status, 401);
    const res = await fetch(`${server.url()}/monitor/v1/alerts`, { headers: { Authorization: 'Bearer tok' } });
    assert.equal(res.status, 200);
    const served = (await res.json()) as Alert[];
    assert.deepEqual(served.map((a) => a.kind), kinds);
    assert.equal(served[0]?.peer, 'a');
    assert.equal(typeof served[0]?.downSince, 'number');
  });

  it('keeps at most RECENT_ALERTS', () => {
    for (let i = 0; i < RECENT_ALERTS; i++) {
      monitor.logMetric({ name: 'ping', peer: 'b', ttl: 1000 });
      clock.t += 2000;
      monitor.check();
    }
    const list = monitor.recentAlerts();
    assert.equal(list.length, RECENT_ALERTS);
    assert.equal(list[0]?.peer, 'b');
  });
});
