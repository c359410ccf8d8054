/**
 * #15 review, round 2: the agent closes its remote writers one after another
 * (src/cli/agent.ts: `for (const w of writers) await w.close()`), so with N receivers away its
 * shutdown takes N × flushDeadline (10 s each by default: 3 receivers outlast a 30 s
 * termination grace period), and the later writers take their last snapshot only after the
 * earlier ones gave up. Fixed; kept as a regression test.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { startAgent } from '../../src/cli/agent.js';

describe('r15b review: agent shutdown with remote writers', () => {
  const servers: Server[] = [];
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  /** A receiver that reads requests and never answers. */
  async function hanging(): Promise<string> {
    const s = createServer((req) => req.resume());
    servers.push(s);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}/api/v1/write`;
  }

  it('closes its writers together: shutdown is bounded by one flushDeadline, not one per receiver', async () => {
    const deadline = 600;
    const urls = [await hanging(), await hanging(), await hanging()];
    const agent = await startAgent({ listen: '127.0.0.1:0', process: false, remoteWrite: urls.map((url) => ({ url, flushDeadline: deadline, sendMetadata: false })), log: () => undefined });
    const started = performance.now();
    await agent.close();
    const took = performance.now() - started;
    assert.ok(took < deadline * 2, `close() took ${took.toFixed(0)} ms with 3 receivers away and flushDeadline ${deadline} ms: the writers are closed one by one`);
  });
});
