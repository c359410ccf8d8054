import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentArgs } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/usage.js';
import { killAgents, spawnAgent } from '../helpers/agents.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';
import { waitFor } from '../helpers/tools.js';

describe('agent --remote-write', () => {
  const receivers: WriteReceiver[] = [];
  after(async () => {
    await killAgents();
    for (const r of receivers) await r.close();
  });

  it('turns the flags into one config per URL', () => {
    const c = parseAgentArgs(
      ['--no-stream', '--remote-write', 'http://a:9090/api/v1/write', '--remote-write', 'https://b/api/v1/write', '--remote-write-interval', '2s', '--remote-write-label', 'site=x', '--remote-write-label', 'env=a=b', '--remote-write-header', 'X-Scope-OrgID: t1', '--remote-write-shards', '3', '--remote-write-max-samples-per-send', '500', '--remote-write-buffer', '10000', '--remote-write-timeout', '5s', '--remote-write-insecure-skip-verify'],
      { METERKIT_REMOTE_WRITE_BEARER_TOKEN: 'tok' },
    );
    assert.ok(c !== 'help');
    const shared = { interval: 2000, timeout: 5000, shards: 3, maxSamplesPerSend: 500, maxPendingSamples: 10000, externalLabels: { site: 'x', env: 'a=b' }, headers: { 'X-Scope-OrgID': 't1' }, auth: { token: 'tok' }, tls: { insecureSkipVerify: true } };
    assert.deepEqual(c.remoteWrite, [{ url: 'http://a:9090/api/v1/write', ...shared }, { url: 'https://b/api/v1/write', ...shared }]);
  });

  it('refuses bad remote-write flags as usage errors', () => {
    const bad: Array<[string[], RegExp]> = [
      [['--remote-write-interval', '1s'], /needs --remote-write/],
      [['--remote-write', 'ftp://x/'], /http: or https:/],
      [['--remote-write', 'http://u:p@x/'], /credentials not shown/],
      [['--remote-write', 'http://x/', '--remote-write-header', 'Content-Type: x'], /cannot be set/],
      [['--remote-write', 'http://x/', '--remote-write-header', 'nocolon'], /name: value/],
      [['--remote-write', 'http://x/', '--remote-write-label', '__name__=x'], /label name/],
      [['--remote-write', 'http://x/', '--remote-write-interval', '1.5s'], /--remote-write-interval/],
      [['--remote-write', 'http://x/', '--remote-write-bearer-token', 't', '--remote-write-basic-auth', 'u:p'], /contradict/],
      [['--remote-write', 'http://x/', '--remote-write-cert', 'c.pem'], /go together/],
    ];
    for (const [args, re] of bad) assert.throws(() => parseAgentArgs(['--no-stream', ...args], {}), (e: unknown) => e instanceof UsageError && re.test(e.message), args.join(' '));
  });

  it('pushes the agent registry on its interval, with credentials, and keeps them out of /debug/vars', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const agent = await spawnAgent(['--remote-write', rx.url, '--remote-write-interval', '100ms', '--remote-write-label', 'site=ci', '--remote-write-basic-auth', 'pusher:hunter2', '--remote-write-header', 'X-Api-Key: k3y'], /remote write to/);
    await waitFor(async () => (rx.accepted().some((s) => s.labels.__name__ === 'meterkit_remote_write_samples_total' && s.value > 0) ? true : undefined), 30_000, 'the writer reporting its own sends');
    const req = rx.requests.find((r) => r.decoded.timeseries.length > 0);
    assert.equal(req?.headers.authorization, `Basic ${Buffer.from('pusher:hunter2').toString('base64')}`);
    assert.equal(req?.headers['x-api-key'], 'k3y');
    assert.ok(rx.accepted().every((s) => s.labels.site === 'ci'));
    const vars = await (await fetch(`${agent.url}/debug/vars`)).text();
    assert.ok(!vars.includes('hunter2') && !vars.includes('k3y'), 'secrets are not published');
    assert.match(agent.log(), /remote write to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write every 100 ms/);
    await agent.stop();
  });
});
