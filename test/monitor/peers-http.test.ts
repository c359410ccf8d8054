/**
 * The Proof over HTTP, with real processes: three `meterkit agent --report-to` peers and one
 * `meterkit agent --monitor`. SIGKILL one: exactly one `down` per metric for it, within ttl +
 * check interval of its last report, and none for the others; restart it: exactly one `up` per
 * metric. `meterkit peers` (table and --json) against the monitor agent.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentProcess } from '../helpers/agents.js';
import { BIN, loggedAlerts, spawnAgent } from '../helpers/agents.js';
import { run, waitFor } from '../helpers/tools.js';
import type { PeerStatus } from '../../src/monitor/types.js';

const TTL = 1000;
const CHECK = 200;
/** The metrics every report carries. */
const METRICS = ['cpu_ratio', 'event_loop_lag_ms', 'ping', 'rss_bytes'];
/**
 * Timers fire late on a loaded machine (other test files run beside this one): the bound the
 * issue sets is ttl + check interval, checked with this much room for a late tick.
 */
const LATE_TICK = 1000;

async function peers(url: string): Promise<PeerStatus[]> {
  const res = await fetch(`${url}/monitor/v1/peers`);
  assert.equal(res.status, 200);
  return (await res.json()) as PeerStatus[];
}

function stateOf(rows: readonly PeerStatus[], peer: string, metric = 'ping'): string | undefined {
  return rows.find((r) => r.peer === peer && r.metric === metric)?.state;
}

describe('peer monitor over HTTP (real processes)', () => {
  const procs: AgentProcess[] = [];
  after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
  });

  it('SIGKILL a peer: one down per metric for it alone; restart it: one up per metric', async () => {
    const monitor = await spawnAgent(['--monitor', '--monitor-check-interval', `${CHECK}ms`]);
    procs.push(monitor);
    const report = async (id: string): Promise<AgentProcess> => {
      const p = await spawnAgent(['--report-to', monitor.url, '--peer-id', id, '--report-interval', '200ms', '--report-ttl', `${TTL}ms`]);
      procs.push(p);
      return p;
    };
    const [, p2] = await Promise.all(['p1', 'p2', 'p3'].map(report));
    assert.ok(p2 !== undefined);
    await waitFor(async () => ((await peers(monitor.url)).filter((r) => r.state === 'up').length === 12 ? true : undefined), 30_000, 'three peers with four metrics up');

    p2.child.kill('SIGKILL');
    await p2.exited;
    const downs = await waitFor(
      async () => {
        const d = loggedAlerts(monitor.log()).filter((a) => a.kind === 'down');
        return d.length >= 4 ? d : undefined;
      },
      30_000,
      'the down alerts of p2',
    );
    assert.deepEqual(downs.map((a) => `${a.peer} ${a.metric}`).sort(), METRICS.map((m) => `p2 ${m}`), monitor.log());
    for (const a of downs) assert.ok(a.after >= TTL && a.after <= TTL + CHECK + LATE_TICK, `${a.metric} went down ${a.after} ms after its last report (ttl ${TTL}, check ${CHECK})`);
    const rows = await peers(monitor.url);
    assert.deepEqual(['p1', 'p2', 'p3'].map((p) => stateOf(rows, p)), ['up', 'down', 'up']);

    // meterkit peers, the real command: --json is what GET /monitor/v1/peers returns
    const json = JSON.parse((await run(process.execPath, [BIN, 'peers', '--url', monitor.url, '--json'])).stdout) as PeerStatus[];
    assert.equal(json.length, 12);
    for (const r of json) assert.deepEqual(Object.keys(r).sort(), ['expire', 'lastSeen', 'metric', 'peer', 'phi', 'state', 'value']);
    assert.deepEqual(json.map((r) => `${r.peer} ${r.metric} ${r.state}`), rows.map((r) => `${r.peer} ${r.metric} ${r.state}`));
    const table = (await run(process.execPath, [BIN, 'peers', '--url', monitor.url])).stdout;
    assert.match(table, /^PEER +METRIC +VALUE +AGE +STATE +PHI$/m);
    assert.match(table, /^p2 +ping +- +\S+ +down +-$/m);
    assert.match(table, /^p1 +rss_bytes +\d+ +\S+ +up +-$/m);

    const again = await report('p2');
    const ups = await waitFor(
      async () => {
        const u = loggedAlerts(monitor.log()).filter((a) => a.kind === 'up');
        return u.length >= 4 ? u : undefined;
      },
      30_000,
      'the up alerts of p2',
    );
    assert.deepEqual(ups.map((a) => `${a.peer} ${a.metric}`).sort(), METRICS.map((m) => `p2 ${m}`));
    // a few more checks pass (p2 reports twice more): still one down and one up per metric
    const since = Math.max(...(await peers(monitor.url)).filter((r) => r.peer === 'p2').map((r) => r.lastSeen));
    await waitFor(async () => ((await peers(monitor.url)).some((r) => r.peer === 'p2' && r.metric === 'ping' && r.lastSeen >= since + 2 * CHECK) ? true : undefined), 30_000, 'two more reports of p2');
    assert.deepEqual(
      loggedAlerts(monitor.log()).map((a) => `${a.kind} ${a.peer}`).sort(),
      [...METRICS.map(() => 'down p2'), ...METRICS.map(() => 'up p2')],
      monitor.log(),
    );
    assert.equal(stateOf(await peers(monitor.url), 'p2'), 'up');
    assert.match(again.log(), /reporting as "p2" to http:\/\/127\.0\.0\.1:\d+ every 200 ms \(ttl 1000 ms\)/);
    await monitor.stop();
    assert.equal(await monitor.exited, 0, monitor.log());
  });
});
