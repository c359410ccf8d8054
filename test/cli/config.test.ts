/**
 * The config file: the example and every README example pass the check; bad files fail with
 * file:line:col and the key path; the README reference is what the schema generates; flags
 * override the file.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkConfigText, formatProblem } from '../../src/cli/config/load.js';
import { CONFIG_EXAMPLE } from '../../src/cli/config/example.js';
import { REFERENCE_END, REFERENCE_START, configReference } from '../../src/cli/config/reference.js';
import { parseAgentArgs } from '../../src/cli/main.js';
import { capture } from '../helpers/cli.js';
import { tempDir } from '../helpers/tools.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const tmp = tempDir('config');
after(() => tmp.remove());

/** Writes `text` to a file in the temp dir; returns its path. */
function file(name: string, text: string): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
}

/** The problems of `text` as printed lines. */
function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = checkConfigText('t.yaml', text, env);
  return r.ok ? [] : r.problems.map(formatProblem);
}

describe('config check', () => {
  it('passes the example, which `config example` prints', async () => {
    const r = await capture(['config', 'example']);
    assert.equal(r.code, 0);
    assert.equal(r.out, CONFIG_EXAMPLE);
    const path = file('example.yaml', r.out);
    const c = await capture(['config', 'check', path]);
    assert.equal(c.code, 0, c.err);
    assert.equal(c.out, `${path}: ok\n`);
  });

  it('passes every YAML example in the README', () => {
    const blocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    assert.ok(blocks.length > 0, 'the README has YAML examples');
    for (const b of blocks) assert.deepEqual(problems(b), [], b);
  });

  it('fails a wrong type with its line and column', () => {
    assert.deepEqual(problems('http:\n  max_concurrent: "many"\n'), ['t.yaml:2:19: http.max_concurrent: expected number, got "many"']);
  });

  it('fails an unknown key at the key', () => {
    assert.deepEqual(problems('proxy:\n  servers:\n    - bind: 127.0.0.1:0\n      backends: [127.0.0.1:9001]\n      colour: blue\n'), [
      't.yaml:5:7: proxy.servers[0].colour: unknown key "colour": see "meterkit config example" for the keys',
    ]);
  });

  it('fails a bad address naming the value and the rule', () => {
    assert.deepEqual(problems('http:\n  listen: "9464"\n'), ['t.yaml:2:11: http.listen: invalid listen address "9464": use host:port, e.g. 127.0.0.1:9464 or [::1]:9464 (port 0–65535)']);
  });

  it('fails a duplicate server at the second name', () => {
    const text = 'proxy:\n  servers:\n    - name: a\n      bind: 127.0.0.1:0\n      backends: [127.0.0.1:9001]\n    - name: a\n      bind: 127.0.0.1:0\n      backends: [127.0.0.1:9002]\n';
    assert.deepEqual(problems(text), ['t.yaml:6:13: proxy.servers[1].name: duplicate server name "a": names are unique']);
  });

  it('fails a backend given twice, a bad duration, a repeated key and YAML syntax', () => {
    assert.match(problems('proxy:\n  servers:\n    - bind: 127.0.0.1:0\n      backends: [127.0.0.1:9001, 127.0.0.1:9001]\n')[0] ?? '', /^t\.yaml:3:7: proxy\.servers\[0\]: backend 127\.0\.0\.1:9001 is given twice/);
    assert.match(problems('monitor:\n  check_interval: 2 weeks\n')[0] ?? '', /^t\.yaml:2:19: monitor\.check_interval: invalid check_interval "2 weeks": write a whole number of ms/);
    assert.match(problems('http: {}\nhttp: {}\n')[0] ?? '', /^t\.yaml:2:1: \(file\): YAML: Map keys must be unique/);
    assert.match(problems('http: [\n')[0] ?? '', /^t\.yaml:\d+:\d+: \(file\): YAML: /);
  });

  it('never shows a secret', () => {
    const lines = problems('http:\n  auth:\n    token: "s3cr et"\n');
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]?.includes('s3cr'), lines[0]);
  });

  it('prints every problem and exits 1', async () => {
    const path = file('bad.yaml', 'http:\n  listen: nowhere\n  colour: blue\n');
    const r = await capture(['config', 'check', path]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err.trim().split('\n'), [
      `${path}:2:11: http.listen: invalid listen address "nowhere": use host:port, e.g. 127.0.0.1:9464 or [::1]:9464 (port 0–65535)`,
      `${path}:3:3: http.colour: unknown key "colour": see "meterkit config example" for the keys`,
    ]);
  });

  it('README holds the reference the schema generates (npm run docs:config)', () => {
    const a = README.indexOf(REFERENCE_START);
    const b = README.indexOf(REFERENCE_END);
    assert.ok(a >= 0 && b > a, 'README has the reference markers');
    assert.equal(README.slice(a, b + REFERENCE_END.length), configReference(), 'README config reference is stale: run npm run docs:config');
  });
});

describe('agent --config', () => {
  it('reads the file, and flags override it', () => {
    const path = file('agent.yaml', 'http:\n  listen: 127.0.0.1:9999\n  max_concurrent: 4\nstream:\n  enabled: false\nproxy:\n  servers:\n    - name: web\n      bind: 127.0.0.1:0\n      backends: [127.0.0.1:9001]\n');
    const c = parseAgentArgs(['--config', path, '--listen', '127.0.0.1:0'], {});
    assert.ok(c !== 'help');
    assert.equal(c.listen, '127.0.0.1:0');
    assert.equal(c.maxConcurrent, 4);
    assert.equal(c.stream, undefined);
    assert.deepEqual(c.proxy?.servers.map((s) => s.name), ['web']);
    const d = parseAgentArgs(['--config', path, '--stream', '127.0.0.1:0', '--proxy-bind', '127.0.0.1:0', '--proxy-name', 'web', '--backend', '127.0.0.1:9002'], {});
    assert.ok(d !== 'help');
    assert.equal(d.stream, '127.0.0.1:0');
    assert.deepEqual(d.proxy?.servers.map((s) => s.backends), [['127.0.0.1:9002'].map(() => ({ host: '127.0.0.1', port: 9002, weight: 1, priority: 1 }))]);
    // a server of another name joins the file's
    const e = parseAgentArgs(['--config', path, '--proxy-bind', '127.0.0.1:0', '--backend', '127.0.0.1:9002'], {});
    assert.ok(e !== 'help');
    assert.deepEqual(e.proxy?.servers.map((s) => s.name), ['web', 'default']);
  });

  it('takes credentials from the environment over the file, and from files', () => {
    const tokenFile = file('token', 'from-file\n');
    const path = file('auth.yaml', `http:\n  auth:\n    token_file: ${tokenFile}\n`);
    const c = parseAgentArgs(['--config', path], {});
    assert.ok(c !== 'help');
    assert.equal(c.auth?.token, 'from-file');
    const e = parseAgentArgs(['--config', path], { METERKIT_AUTH_TOKEN: 'from-env' });
    assert.ok(e !== 'help');
    assert.equal(e.auth?.token, 'from-env');
  });

  it('refuses to start on a bad file, naming the position', async () => {
    const path = file('broken.yaml', 'stream:\n  buffer: -1\n');
    const r = await capture(['agent', '--config', path]);
    assert.equal(r.code, 1);
    assert.match(r.err, /broken\.yaml:2:11: stream\.buffer: invalid buffer -1: it must be a whole number ≥ 1/);
  });
});

/** Every agent flag and the config key that stands for it (`--notify`'s spec keys are endpoint keys). */
const FLAG_KEYS: Record<string, string> = {
  '--listen': 'http.listen',
  '--auth-token': 'http.auth.token',
  '--auth-token-file': 'http.auth.token_file',
  '--basic-auth': 'http.auth.basic',
  '--basic-auth-file': 'http.auth.basic_file',
  '--tls-cert': 'http.tls.cert',
  '--tls-key': 'http.tls.key',
  '--collect-timeout': 'http.collect_timeout',
  '--max-concurrent': 'http.max_concurrent',
  '--openmetrics': 'http.openmetrics',
  '--openmetrics-created': 'http.openmetrics_created',
  '--stream': 'stream.listen',
  '--no-stream': 'stream.enabled',
  '--stream-buffer': 'stream.buffer',
  '--stream-buffer-bytes': 'stream.buffer_bytes',
  '--stream-interval': 'stream.interval',
  '--no-process': 'process.enabled',
  '--docker': 'docker.url',
  '--docker-naming': 'docker.naming',
  '--dashboard-max-clients': 'dashboard.max_clients',
  '--dashboard-max-watched': 'dashboard.max_watched',
  '--proxy-bind': 'proxy.servers[].bind',
  '--bind': 'proxy.servers[].bind',
  '--proxy-name': 'proxy.servers[].name',
  '--backend': 'proxy.servers[].backends',
  '--strategy': 'proxy.servers[].strategy',
  '--healthcheck': 'proxy.servers[].healthcheck',
  '--connect-timeout': 'proxy.servers[].connect_timeout',
  '--client-idle-timeout': 'proxy.servers[].client_idle_timeout',
  '--backend-idle-timeout': 'proxy.servers[].backend_idle_timeout',
  '--max-connections': 'proxy.servers[].max_connections',
  '--proxy-tls-cert': 'proxy.servers[].tls.cert',
  '--proxy-tls-key': 'proxy.servers[].tls.key',
  '--proxy-protocol': 'proxy.servers[].proxy_protocol',
  '--proxy-naming': 'proxy.naming',
  '--drain-timeout': 'proxy.drain_timeout',
  '--monitor': 'monitor',
  '--monitor-nats': 'monitor.nats',
  '--monitor-detector': 'monitor.detector',
  '--monitor-check-interval': 'monitor.check_interval',
  '--monitor-peers': 'monitor.peers',
  '--report-to': 'report.to',
  '--peer-id': 'report.peer_id',
  '--report-interval': 'report.interval',
  '--report-ttl': 'report.ttl',
  '--report-auth-token': 'report.auth.token',
  '--report-auth-token-file': 'report.auth.token_file',
  '--report-basic-auth': 'report.auth.basic',
  '--report-basic-auth-file': 'report.auth.basic_file',
  '--notify': 'notify.endpoints',
  '--notify-queue': 'notify.queue',
  '--notify-worker': 'notify.worker',
  '--state-dir': 'notify.state_dir',
  '--remote-write': 'remote_write[].url',
  '--remote-write-interval': 'remote_write[].interval',
  '--remote-write-label': 'remote_write[].external_labels',
  '--remote-write-header': 'remote_write[].headers',
  '--remote-write-bearer-token': 'remote_write[].auth.token',
  '--remote-write-bearer-token-file': 'remote_write[].auth.token_file',
  '--remote-write-basic-auth': 'remote_write[].auth.basic',
  '--remote-write-basic-auth-file': 'remote_write[].auth.basic_file',
  '--remote-write-ca': 'remote_write[].tls.ca',
  '--remote-write-cert': 'remote_write[].tls.cert',
  '--remote-write-key': 'remote_write[].tls.key',
  '--remote-write-insecure-skip-verify': 'remote_write[].tls.insecure_skip_verify',
  '--remote-write-timeout': 'remote_write[].timeout',
  '--remote-write-shards': 'remote_write[].shards',
  '--remote-write-max-samples-per-send': 'remote_write[].max_samples_per_send',
  '--remote-write-buffer': 'remote_write[].buffer',
  '--cluster': 'cluster.file',
  '--cluster-workers': 'cluster.workers',
};

it('has a key for every agent flag', async () => {
  const help = (await capture(['help', 'agent'])).out;
  const flags = new Set(help.match(/--[a-z][a-z-]*/g));
  flags.delete('--help');
  flags.delete('--config');
  const reference = configReference();
  for (const f of flags) {
    const key = FLAG_KEYS[f];
    assert.ok(key !== undefined, `flag ${f} has no config key in this table`);
    assert.ok(reference.includes(`| \`${key}\` |`), `key ${key} (${f}) is not in the schema`);
  }
  for (const spec of ['name', 'secret', 'secret_file', 'timeout', 'threshold', 'backoff', 'max_backoff', 'max_attempts', 'format', 'ignore', 'batch', 'batch_wait', 'headers', 'ca']) {
    assert.ok(reference.includes(`| \`notify.endpoints[].${spec}\` |`), `--notify ${spec} has no key`);
  }
});
