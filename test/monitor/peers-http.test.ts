/**
 * The Proof over HTTP, with real processes: three `meterkit agent --report-to http://…` peers
 * and one `meterkit agent --monitor` (see outageProof), and `meterkit peers` (table and --json)
 * against the monitor agent while a peer is down.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentProcess } from '../helpers/agents.js';
import { BIN, killAgents, outageProof, spawnAgent } from '../helpers/agents.js';
import { run } from '../helpers/tools.js';
import type { PeerStatus } from '../../src/monitor/types.js';

const TTL = 1000;
const CHECK = 200;

describe('peer monitor over HTTP (real processes)', () => {
  after(killAgents);

  it('SIGKILL a peer: one down per metric for it alone; restart it: one up per metric; meterkit peers shows it', async () => {
    const monitor = await spawnAgent(['--monitor', '--monitor-check-interval', `${CHECK}ms`]);
    const report = (id: string): Promise<AgentProcess> =>
      spawnAgent(['--report-to', monitor.url, '--peer-id', id, '--report-interval', '200ms', '--report-ttl', `${TTL}ms`], new RegExp(`reporting as "${id}" to http://127\\.0\\.0\\.1:\\d+ every 200 ms \\(ttl 1000 ms\\)`));
    // timers fire late on a loaded machine (other test files run beside this one)
    await outageProof({
      monitor,
      report,
      ttl: TTL,
      check: CHECK,
      lateTick: 1000,
      whileDown: async (rows) => {
        // the real command: --json is what GET /monitor/v1/peers returns
        const json = JSON.parse((await run(process.execPath, [BIN, 'peers', '--url', monitor.url, '--json'])).stdout) as PeerStatus[];
        assert.equal(json.length, 12);
        for (const r of json) assert.deepEqual(Object.keys(r).sort(), ['expire', 'lastSeen', 'metric', 'peer', 'phi', 'state', 'value']);
        assert.deepEqual(json.map((r) => `${r.peer} ${r.metric} ${r.state}`), rows.map((r) => `${r.peer} ${r.metric} ${r.state}`));
        const table = (await run(process.execPath, [BIN, 'peers', '--url', monitor.url])).stdout;
        assert.match(table, /^PEER +METRIC +VALUE +AGE +STATE +PHI$/m);
        assert.match(table, /^p2 +ping +- +\S+ +down +-$/m);
        assert.match(table, /^p1 +rss_bytes +\d+ +\S+ +up +-$/m);
      },
    });
    await monitor.stop();
    assert.equal(await monitor.exited, 0, monitor.log());
  });
});
