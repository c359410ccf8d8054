/**
 * #15 review, round 2: secrets of remote write. Round one hid query values in error messages
 * and the url label; the same URL and headers still show elsewhere. Each test fails on the
 * code it was written against; kept as regression tests once fixed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentArgs } from '../../src/cli/main.js';
import { killAgents, spawnAgent } from '../helpers/agents.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';

describe('r15b review: remote write secrets', () => {
  const receivers: WriteReceiver[] = [];
  after(async () => {
    await killAgents();
    for (const r of receivers) await r.close();
  });

  it('a malformed --remote-write-header is refused without printing its value (the flag is secret: /debug/vars hides it)', () => {
    let message = '';
    try {
      parseAgentArgs(['--no-stream', '--remote-write', 'http://127.0.0.1:9/api/v1/write', '--remote-write-header', 'X-Api-Key=s3cr3t-key'], {});
    } catch (err) {
      message = (err as Error).message;
    }
    assert.ok(message !== '', 'refused');
    assert.doesNotMatch(message, /s3cr3t/, 'DESIGN: secrets never appear in error messages');
  });

  it("the agent's startup log does not print a credential in the remote write URL's query", async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const a = await spawnAgent(['--remote-write', `${rx.url}?api_key=s3cr3t-value`], /remote write to/);
    const log = a.log();
    await a.stop();
    assert.match(log, /remote write to/);
    assert.doesNotMatch(log, /s3cr3t/, 'the one redaction rule (src/core/redact.ts) hides query values; this log line prints config.url as given');
  });

  it("/debug/vars' cmdline does not publish a credential in the --remote-write URL's query", async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const a = await spawnAgent(['--remote-write', `${rx.url}?api_key=s3cr3t-value`]);
    const res = await fetch(`${a.url}/debug/vars`);
    const body = await res.text();
    await a.stop();
    assert.equal(res.status, 200);
    assert.doesNotMatch(body, /s3cr3t/, '--notify URLs are redacted in cmdline (redactNotifyArgv); --remote-write URLs are not');
  });
});
