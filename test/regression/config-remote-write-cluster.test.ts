/**
 * The config file had no keys for remote write (`--remote-write*`) and the cluster
 * (`--cluster`, `--cluster-workers`): those agent flags could not be kept in the file. Now
 * `remote_write` (a list, one entry per receiver) and `cluster` mean what the flags mean,
 * secrets come from `*_file` keys or the environment and are never shown, flags override the
 * file, a reload reports them as needing a restart, and an agent started from a file pushes
 * to a real receiver.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AgentConfig } from '../../src/cli/agent.js';
import { startAgent } from '../../src/cli/agent.js';
import { checkConfigText, formatProblem } from '../../src/cli/config/load.js';
import { parseAgentArgs } from '../../src/cli/main.js';
import { applyConfig } from '../../src/cli/reload.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';
import { tempDir, waitFor } from '../helpers/tools.js';

const tmp = tempDir('config-rw');
after(() => tmp.remove());

/** Writes `text` to `name` in the temp dir; returns the path. */
function file(name: string, text: string): string {
  writeFileSync(join(tmp.dir, name), text);
  return join(tmp.dir, name);
}

function parse(args: string[], env: NodeJS.ProcessEnv = {}): AgentConfig {
  const c = parseAgentArgs(['--no-stream', ...args], env);
  assert.ok(c !== 'help');
  return c;
}

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = checkConfigText('t.yaml', text, env);
  return r.ok ? [] : r.problems.map(formatProblem);
}

/** A receiver's config without its name (the file names it as the writer will). */
function unnamed(list: AgentConfig['remoteWrite']): unknown[] {
  return (list ?? []).map(({ name: _name, ...rest }) => rest);
}

describe('config file: remote_write and cluster', () => {
  it('reads remote_write as the flags read --remote-write*', () => {
    const token = file('rw-token', 'tok\n');
    const path = file(
      'rw.yaml',
      `remote_write:\n  - url: http://a:9090/api/v1/write\n    interval: 2s\n    external_labels: { site: x }\n    headers: { X-Scope-OrgID: t1 }\n    auth: { token_file: ${token} }\n    tls: { insecure_skip_verify: true }\n    timeout: 5s\n    shards: 3\n    max_samples_per_send: 500\n    buffer: 10000\n`,
    );
    const fromFile = parse(['--config', path]);
    const fromFlags = parse(['--remote-write', 'http://a:9090/api/v1/write', '--remote-write-interval', '2s', '--remote-write-label', 'site=x', '--remote-write-header', 'X-Scope-OrgID: t1', '--remote-write-bearer-token-file', token, '--remote-write-insecure-skip-verify', '--remote-write-timeout', '5s', '--remote-write-shards', '3', '--remote-write-max-samples-per-send', '500', '--remote-write-buffer', '10000']);
    assert.deepEqual(unnamed(fromFile.remoteWrite), unnamed(fromFlags.remoteWrite));
    assert.match(fromFile.remoteWrite?.[0]?.name ?? '', /^[0-9a-f]{6}$/);
  });

  it('gives entries without auth the environment credentials; an entry may not give two', () => {
    const path = file('rw-env.yaml', 'remote_write:\n  - url: http://a/api/v1/write\n  - url: http://b/api/v1/write\n    auth: { basic: "u:p" }\n');
    const c = parse(['--config', path], { METERKIT_REMOTE_WRITE_BEARER_TOKEN: 'from-env' });
    assert.deepEqual(c.remoteWrite?.map((r) => r.auth), [{ token: 'from-env' }, { basic: { username: 'u', password: 'p' } }]);
    const lines = problems('remote_write:\n  - url: http://a/api/v1/write\n    auth: { token: s3cret, basic: "u:hunter2" }\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^t\.yaml:3:11: remote_write\[0\]\.auth: token and basic contradict each other/);
    assert.ok(!/s3cret|hunter2/.test(lines[0] ?? ''), lines[0]);
  });

  it('refuses bad entries with line and column, never showing a header value', () => {
    assert.match(problems('remote_write:\n  - url: ftp://x/\n')[0] ?? '', /^t\.yaml:2:5: remote_write\[0\]: invalid remote write URL "ftp:\/\/x\/": it must be an http: or https: URL/);
    assert.match(problems('remote_write:\n  - url: http://x/\n    shards: 0\n')[0] ?? '', /^t\.yaml:3:13: remote_write\[0\]\.shards: invalid shards 0/);
    assert.match(problems('remote_write:\n  - url: http://x/\n    colour: blue\n')[0] ?? '', /^t\.yaml:3:5: remote_write\[0\]\.colour: unknown key/);
    const dup = problems('remote_write:\n  - url: http://x/api/v1/write\n  - url: http://x/api/v1/write\n');
    assert.match(dup[0] ?? '', /^t\.yaml:3:5: remote_write\[1\]\.name: duplicate receiver name "[0-9a-f]{6}": each receiver needs its own url or name/);
    const header = problems('remote_write:\n  - url: http://x/\n    headers: { Content-Type: "t0ps3cret" }\n');
    assert.equal(header.length, 1);
    assert.ok(!header[0]?.includes('t0ps3cret'), header[0]);
    assert.deepEqual(problems('remote_write:\n  - url: http://x/\n    tls: { cert: c.pem }\n').map((l) => l.replace(/^.*: /, '')), ['give both or neither']);
  });

  it('refuses the same receiver twice on the command line too', () => {
    assert.throws(() => parse(['--remote-write', 'http://x/api/v1/write', '--remote-write', 'http://x/api/v1/write']), /--remote-write http:\/\/x\/api\/v1\/write is given twice/);
  });

  it('reads cluster as --cluster and --cluster-workers; flags override the file', () => {
    const path = file('cl.yaml', 'cluster:\n  file: worker.mjs\n  workers: 3\nremote_write:\n  - url: http://a/api/v1/write\n');
    const c = parse(['--config', path]);
    assert.deepEqual(c.cluster, { file: 'worker.mjs', workers: 3 });
    const d = parse(['--config', path, '--cluster', 'other.mjs', '--cluster-workers', '2', '--remote-write', 'http://b/api/v1/write']);
    assert.deepEqual(d.cluster, { file: 'other.mjs', workers: 2 });
    assert.deepEqual(d.remoteWrite?.map((r) => r.url), ['http://b/api/v1/write']);
    const e = parse(['--config', file('cl-default.yaml', 'cluster:\n  file: w.mjs\n')]);
    assert.ok((e.cluster?.workers ?? 0) >= 1);
    assert.match(problems('cluster:\n  workers: 2\n')[0] ?? '', /^t\.yaml:2:3: cluster\.file: expected string, but it is missing/);
  });

  it('reports remote_write and cluster changes on reload as needing a restart, and keeps them', async () => {
    const current: AgentConfig = { remoteWrite: [{ url: 'http://a/api/v1/write' }], cluster: { file: 'w.mjs', workers: 2 } };
    const next: AgentConfig = { remoteWrite: [{ url: 'http://b/api/v1/write' }], cluster: { file: 'w.mjs', workers: 4 } };
    const { config, restart } = await applyConfig(current, next, { proxy: null, notifier: null, monitor: null, remountMetrics: () => undefined });
    assert.deepEqual(restart, ['remote_write', 'cluster']);
    assert.deepEqual(config.remoteWrite, current.remoteWrite);
    assert.deepEqual(config.cluster, current.cluster);
  });

  describe('an agent started from the file', () => {
    let rx: WriteReceiver | null = null;
    let agent: Awaited<ReturnType<typeof startAgent>> | null = null;
    after(async () => {
      await agent?.close();
      await rx?.close();
    });

    it('pushes to the receiver with the file\'s labels, headers and credentials', async () => {
      rx = await startWriteReceiver();
      const basic = file('rw-basic', 'pusher:hunter2\n');
      const path = file('agent-rw.yaml', `process:\n  enabled: false\nremote_write:\n  - url: ${rx.url}\n    interval: 100ms\n    external_labels: { site: ci }\n    headers: { X-Api-Key: k3y }\n    auth: { basic_file: ${basic} }\n`);
      const lines: string[] = [];
      const args = ['--config', path, '--listen', '127.0.0.1:0'];
      agent = await startAgent({ ...parse(args), reloadSource: () => parse(args), log: (l) => lines.push(l) });
      const r = rx;
      await waitFor(async () => (r.accepted().some((s) => s.labels.__name__ === 'meterkit_remote_write_samples_total' && s.value > 0) ? true : undefined), 30_000, 'the writer reporting its own sends');
      const req = r.requests.find((q) => q.decoded.timeseries.length > 0);
      assert.equal(req?.headers.authorization, `Basic ${Buffer.from('pusher:hunter2').toString('base64')}`);
      assert.equal(req?.headers['x-api-key'], 'k3y');
      assert.ok(r.accepted().every((s) => s.labels.site === 'ci'));
      assert.ok(lines.some((l) => /remote write to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write every 100 ms/.test(l)), lines.join('\n'));
      assert.ok(!lines.join('\n').includes('hunter2'));
      // the same file reloads as unchanged (secrets re-read, names recomputed); a new interval waits for a restart
      assert.deepEqual(await agent.reload(), { ok: true, restart: [] });
      writeFileSync(path, readFileSync(path, 'utf8').replace('interval: 100ms', 'interval: 1s'));
      assert.deepEqual(await agent.reload(), { ok: true, restart: ['remote_write'] });
    });
  });
});
