/**
 * startAgent with the monitor and the reporter, in process: a reporting agent's heartbeat
 * reaches a monitor agent, its own metrics are on /metrics, an outage is logged as one down
 * alert, close() stops both; a reporter whose NATS server is missing fails the start and
 * leaves nothing running.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Agent } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';
import { formatAlert } from '../../src/cli/monitor-agent.js';
import { peersCommand } from '../../src/cli/peers.js';
import { freePort, waitFor } from '../helpers/tools.js';

describe('startAgent: monitor and reporter', () => {
  const agents: Agent[] = [];
  after(async () => {
    for (const a of agents) await a.close();
  });

  it('a reporter reports to a monitor agent; stopping it is one down alert in the log', async () => {
    const lines: string[] = [];
    const mon = await startAgent({ listen: '127.0.0.1:0', process: false, auth: { token: 'tok' }, monitor: { detector: { kind: 'ttl' }, checkInterval: 50 }, log: (l) => lines.push(l) });
    agents.push(mon);
    assert.ok(mon.monitor !== null && mon.reporter === null);
    assert.ok(lines.some((l) => l.includes(`peer monitor at ${mon.url}/monitor/v1`)), lines.join('\n'));
    const repLines: string[] = [];
    const rep = await startAgent({
      listen: '127.0.0.1:0',
      process: false,
      // the reporter sends the agent's own credentials: both agents share the token
      auth: { token: 'tok' },
      report: { to: mon.url, transport: 'http', peer: 'in-process', interval: 50, ttl: 300 },
      log: (l) => repLines.push(l),
    });
    agents.push(rep);
    assert.equal(rep.monitor, null);
    assert.equal(rep.reporter?.peer, 'in-process');
    const monitor = mon.monitor;
    await waitFor(async () => monitor.latest('ping', 'in-process'), 30_000, 'the first heartbeat');
    const metrics = await (await fetch(`${mon.url}/metrics`, { headers: { Authorization: 'Bearer tok' } })).text();
    assert.match(metrics, /^meterkit_monitor_http_rejected_batches_total\{reason="invalid"\} 0$/m);
    // the monitor's own metrics are on the agent's registry
    assert.match(metrics, /^meterkit_monitor_metrics_logged_total\{metric="ping"\} [1-9]/m);
    assert.match(metrics, /^meterkit_monitor_peers\{state="up"\} \d+$/m);
    // meterkit peers with the agent's credentials, from a flag or the environment
    const peers = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | 'help'; out: string; err: string }> => {
      let out = '';
      let err = '';
      const code = await peersCommand(['--url', mon.url, ...args], (t) => (out += t), (t) => (err += t), env);
      return { code, out, err };
    };
    const ok = await peers(['--json', '--auth-token', 'tok']);
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual((JSON.parse(ok.out) as Array<{ peer: string }>).map((r) => r.peer).filter((p) => p === 'in-process').length, 4);
    assert.equal((await peers([], { METERKIT_AUTH_TOKEN: 'tok' })).code, 0);
    const denied = await peers([]);
    assert.equal(denied.code, 1);
    assert.match(denied.err, /answered 401: unauthorized/);
    const noMonitor = await startAgent({ listen: '127.0.0.1:0', process: false, log: () => undefined });
    agents.push(noMonitor);
    let err = '';
    assert.equal(await peersCommand(['--url', noMonitor.url], () => undefined, (t) => (err += t), {}), 1);
    assert.match(err, /does not run the monitor \(start the agent with --monitor\)/);
    await rep.close();
    const down = await waitFor(async () => lines.find((l) => l.startsWith('meterkit monitor: down peer "in-process" metric "ping"')), 30_000, 'the down alert');
    assert.match(down, /\(last seen \d+ ms before\)$/);
    assert.equal(rep.reporter?.stats.failed, 0, repLines.join('\n'));
    assert.equal(formatAlert({ peer: 'p', metric: 'ping', kind: 'up', time: 1500, lastSeen: 1000, phi: 1.234 }), 'meterkit monitor: up peer "p" metric "ping" (last seen 500 ms before; phi 1.23)');
  });

  it('a reporter whose NATS server does not answer fails the start, and nothing is left listening', async () => {
    const port = await freePort();
    const listen = await freePort();
    await assert.rejects(
      startAgent({ listen: `127.0.0.1:${listen}`, process: false, report: { to: `nats://127.0.0.1:${port}`, transport: 'nats', peer: 'p', interval: 100, ttl: 300 }, log: () => undefined }),
      { code: 'ERR_METERKIT_NATS' },
    );
    await assert.rejects(
      startAgent({ listen: `127.0.0.1:${listen}`, process: false, monitor: { detector: { kind: 'ttl' }, nats: `nats://127.0.0.1:${port}` }, log: () => undefined }),
      { code: 'ERR_METERKIT_NATS' },
    );
    // the HTTP port was never taken, or was given back
    const again = await startAgent({ listen: `127.0.0.1:${listen}`, process: false, log: () => undefined });
    await again.close();
  });
});
