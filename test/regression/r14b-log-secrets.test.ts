/**
 * #14 review round 2: round one made every URL shown hide its query values (src/core/redact.ts:
 * "services put credentials under any name"), yet the agent's start-up lines print the
 * `remote_write[].url` and `report.to` of the config as given (src/cli/agent.ts), query and all.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { AgentConfig } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';

const TOKEN = 'Lq9SEKRIT';

async function startLines(config: AgentConfig): Promise<string> {
  const lines: string[] = [];
  const agent = await startAgent({ listen: '127.0.0.1:0', process: false, ...config, log: (l) => lines.push(l) });
  await agent.close();
  return lines.join('\n');
}

describe('r14b start-up lines hide URL query values', () => {
  it('remote_write[].url', async () => {
    // a receiver that takes everything, so that the writer's last flush ends at once
    const receiver = createServer((req, res) => void req.resume().on('end', () => res.writeHead(204).end()));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    const text = await startLines({ remoteWrite: [{ url: `http://127.0.0.1:${port}/api/v1/write?token=${TOKEN}`, interval: 60_000 }] } as AgentConfig).finally(() => receiver.close());
    assert.match(text, /remote write to/);
    assert.ok(!text.includes(TOKEN), text);
  });

  it('report.to', async () => {
    const text = await startLines({ report: { to: `http://127.0.0.1:9/?token=${TOKEN}`, transport: 'http', peer: 'p1', interval: 60_000, ttl: 120_000 } } as AgentConfig);
    assert.match(text, /reporting as/);
    assert.ok(!text.includes(TOKEN), text);
  });
});
