/**
 * The Proof over NATS, with real processes and a real nats-server: three `meterkit agent
 * --report-to nats://…` peers and one `meterkit agent --monitor-nats nats://…` (see
 * outageProof); then nats-server restarts and every peer's reporting resumes.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentProcess } from '../helpers/agents.js';
import { REPORTED_METRICS, killAgents, loggedAlerts, outageProof, peersOf, spawnAgent } from '../helpers/agents.js';
import type { NatsServer } from '../helpers/nats.js';
import { startNatsServer } from '../helpers/nats.js';
import { needs, waitFor } from '../helpers/tools.js';

const TTL = 1000;
const CHECK = 200;

describe('peer monitor over NATS (real processes, real nats-server)', needs('nats-server'), () => {
  let nats: NatsServer | undefined;
  after(async () => {
    await killAgents();
    await nats?.stop();
  });

  it('SIGKILL a peer: one down per metric for it alone; restart it: one up; restart nats-server: reporting resumes', async () => {
    const server = await startNatsServer();
    nats = server;
    const monitor = await spawnAgent(['--monitor-nats', server.url, '--monitor-check-interval', `${CHECK}ms`], /peer monitor at http:\/\/127\.0\.0\.1:\d+\/monitor\/v1 .*, and from NATS nats:\/\/127\.0\.0\.1:\d+/);
    const reporters: AgentProcess[] = [];
    const report = async (id: string): Promise<AgentProcess> => {
      const p = await spawnAgent(['--report-to', server.url, '--peer-id', id, '--report-interval', '200ms', '--report-ttl', `${TTL}ms`], new RegExp(`reporting as "${id}" to nats://127\\.0\\.0\\.1:\\d+ every 200 ms`));
      reporters.push(p);
      return p;
    };
    // timers fire late on a loaded machine (other test files run beside this one)
    await outageProof({ monitor, report, ttl: TTL, check: CHECK, lateTick: 1000 });

    // nats-server goes away and comes back on the same port: every client reconnects by itself
    const restarted = Date.now();
    await server.restart();
    await waitFor(
      async () => {
        const rows = (await peersOf(monitor.url)).filter((r) => r.metric === 'ping');
        return ['p1', 'p2', 'p3'].every((p) => rows.some((r) => r.peer === p && r.state === 'up' && r.lastSeen > restarted)) ? true : undefined;
      },
      60_000,
      'every peer reporting again after the nats-server restart',
    );
    // an outage longer than the ttl is an outage: each down raised meanwhile is closed by an up
    // (the log is read through a pipe, so it may trail the HTTP answer a little)
    const balance = (): string[] => {
      const alerts = loggedAlerts(monitor.log());
      const open: string[] = [];
      for (const p of ['p1', 'p2', 'p3']) {
        for (const m of REPORTED_METRICS) {
          const mine = alerts.filter((a) => a.peer === p && a.metric === m);
          const downs = mine.filter((a) => a.kind === 'down').length;
          if (downs !== mine.length - downs) open.push(`${p} ${m}: ${downs} down, ${mine.length - downs} up`);
        }
      }
      return open;
    };
    await waitFor(async () => (balance().length === 0 ? true : undefined), 30_000, `every outage closed: ${balance().join('; ')}`);
    assert.match(monitor.log(), /meterkit monitor: NATS nats:\/\/127\.0\.0\.1:\d+ reconnecting[\s\S]*meterkit monitor: NATS nats:\/\/127\.0\.0\.1:\d+ connected/);
    // SIGTERM: the agents close their NATS links and exit 0
    const running = reporters.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    assert.equal(running.length, 3);
    for (const p of [...running, monitor]) {
      await p.stop();
      assert.equal(await p.exited, 0, p.log());
    }
  });
});
