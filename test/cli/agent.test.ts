import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startAgent } from '../../src/cli/agent.js';
import { main, parseAgentArgs } from '../../src/cli/main.js';
import type { AgentConfig } from '../../src/cli/agent.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';
import { needs, requireTools, run, tempDir, waitFor } from '../helpers/tools.js';
import { get } from '../helpers/scrape.js';
import type { RunningPrometheus } from '../helpers/prometheus.js';
import { startPrometheus } from '../helpers/prometheus.js';

const BIN = fileURLToPath(new URL('../../../bin/meterkit.js', import.meta.url));

/** Spawns `meterkit agent …` and resolves once it says where it serves. */
function spawnAgent(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', ...(args.some((a) => a.startsWith('--stream')) ? [] : ['--no-stream']), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving (https?:\/\/[\d.]+:\d+)\/metrics/.exec(err);
      if (m) resolve({ child, url: m[1] as string, stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`agent exited ${code}: ${err}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('meterkit agent (a real process)', () => {
  it('serves /metrics, /debug/vars, /healthz, and exits 0 on SIGTERM and SIGINT', async () => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const { child, url, stderr } = await spawnAgent([]);
      const m = await get(`${url}/metrics`);
      assert.equal(m.status, 200);
      const text = m.body.toString();
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_version_info']) {
        assert.match(text, new RegExp(`^${name}`, 'm'), name);
      }
      const j = await get(`${url}/debug/vars`);
      assert.equal(j.headers['content-type'], 'application/json; charset=utf-8');
      const doc = JSON.parse(j.body.toString()) as { cmdline: string[] };
      assert.ok(doc.cmdline.includes('agent'));
      assert.ok('process_cpu_seconds_total' in doc);
      assert.equal((await get(`${url}/healthz`)).body.toString(), 'ok\n');
      assert.equal((await get(`${url}/nope`)).status, 404);
      const exited = exitOf(child);
      child.kill(sig);
      assert.equal(await exited, 0, stderr());
      assert.match(stderr(), new RegExp(`${sig}, closing`));
    }
  });

  it('its output passes promtool and the OpenMetrics parser', { ...needs('promtool', 'openmetrics') }, async () => {
    const agent = await startAgent({ listen: '127.0.0.1:0', log: () => undefined, openMetrics: true });
    try {
      const text = (await get(`${agent.url}/metrics`)).body.toString();
      const remarks = await promtoolCheck(text);
      // prom-client's names, kept on purpose: gauges ending in _total
      assert.ok(remarks.every((r) => /non-counter metrics should not have "_total" suffix/.test(r)), remarks.join('\n'));
      const om = (await get(`${agent.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } })).body.toString();
      const fams = await parseOpenMetrics(om);
      assert.ok(fams.some((f) => f.name === 'process_cpu_seconds' && f.type === 'counter' && f.unit === 'seconds'));
    } finally {
      await agent.close();
    }
  });

  it('requires the bearer token or basic credentials when set, 401 otherwise', async () => {
    const { child, url } = await spawnAgent(['--auth-token', 's3cret']);
    try {
      assert.equal((await get(`${url}/metrics`)).status, 401);
      assert.equal((await get(`${url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
      assert.equal((await get(`${url}/debug/vars`)).status, 401);
      assert.equal((await get(`${url}/metrics`, { headers: { Authorization: 'Bearer s3cret' } })).status, 200);
      assert.equal((await get(`${url}/healthz`)).status, 200, 'health stays open');
    } finally {
      child.kill('SIGTERM');
    }
    const basic = await spawnAgent([], { METERKIT_BASIC_AUTH: 'prom:pa:ss' });
    try {
      const r = await get(`${basic.url}/metrics`);
      assert.equal(r.status, 401);
      assert.match(r.headers['www-authenticate'] as string, /^Basic/);
      const ok = Buffer.from('prom:pa:ss').toString('base64');
      assert.equal((await get(`${basic.url}/metrics`, { headers: { Authorization: `Basic ${ok}` } })).status, 200);
      const bad = Buffer.from('prom:nope').toString('base64');
      assert.equal((await get(`${basic.url}/metrics`, { headers: { Authorization: `Basic ${bad}` } })).status, 401);
    } finally {
      basic.child.kill('SIGTERM');
    }
  });

  it('serves HTTPS with --tls-cert/--tls-key', { ...needs('openssl') }, async () => {
    requireTools('openssl');
    const tmp = tempDir('tls');
    try {
      const cert = join(tmp.dir, 'cert.pem');
      const key = join(tmp.dir, 'key.pem');
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
      const { child, url } = await spawnAgent(['--tls-cert', cert, '--tls-key', key, '--auth-token', 't']);
      try {
        assert.match(url, /^https:/);
        const body = await new Promise<string>((resolve, reject) => {
          httpsRequest(`${url}/metrics`, { ca: readFileSync(cert, 'utf8'), headers: { Authorization: 'Bearer t' } }, (res) => {
            let b = '';
            res.on('data', (d: Buffer) => (b += d.toString()));
            res.on('end', () => resolve(`${res.statusCode} ${b}`));
          }).on('error', reject).end();
        });
        assert.match(body, /^200 [\s\S]*process_cpu_seconds_total/);
      } finally {
        child.kill('SIGTERM');
      }
    } finally {
      tmp.remove();
    }
  });

  it('explains bad options and exits 2, and a busy port exits 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['agent', '--listen', 'nope'], /invalid --listen address "nope"/],
      [['agent', '--bogus'], /Unknown option '--bogus'/],
      [['agent', '--tls-cert', 'x'], /go together/],
      [['agent', '--basic-auth', 'nocolon'], /user:password/],
      [['agent', '--collect-timeout=-5'], /--collect-timeout "-5"/],
      [['agent', '--collect-timeout', 'soon'], /--collect-timeout "soon"/],
      [['agent', '--auth-token', ''], /must not be empty/],
      [['agent', '--stream', '127.0.0.1:0', '--no-stream'], /contradict/],
      [['agent', '--stream-buffer', '0'], /--stream-buffer 0/],
      [['observe', 'a:1', 'b:2'], /at most one address/],
      [['observe', 'nohost'], /invalid stream address "nohost"/],
    ];
    for (const [argv, msg] of cases) {
      let err = '';
      const code = await main(argv, () => undefined, (s) => (err += s));
      assert.ok(code === 2 || code === 1, `${argv.join(' ')} → ${code}`);
      assert.match(err, msg);
    }
    let help = '';
    assert.equal(await main(['agent', '--help'], (s) => (help += s)), 0);
    assert.match(help, /--listen <host:port>/);
    const first = await startAgent({ listen: '127.0.0.1:0', process: false, log: () => undefined });
    try {
      let err = '';
      const port = new URL(first.url).port;
      const code = await main(['agent', '--listen', `127.0.0.1:${port}`, '--no-process', '--no-stream'], () => undefined, (s) => (err += s));
      assert.equal(code, 2, 'an address in use is bad input: exit 2');
      assert.match(err, /cannot listen on 127.0.0.1:\d+/);
    } finally {
      await first.close();
    }
    assert.deepEqual(parseAgentArgs([], { METERKIT_AUTH_TOKEN: 'env-token' }), { listen: undefined, process: true, stream: '127.0.0.1:5000', auth: { token: 'env-token' } });
    assert.equal((parseAgentArgs(['--no-stream']) as { stream?: string }).stream, undefined);
  });

  it('turns --openmetrics, --openmetrics-created and --stream-buffer-bytes into the config, and refuses created alone', async () => {
    const c = parseAgentArgs(['--openmetrics', '--openmetrics-created', '--stream-buffer-bytes', '65536']) as AgentConfig;
    assert.equal(c.openMetrics, true);
    assert.equal(c.openMetricsCreated, true);
    assert.equal(c.streamBufferBytes, 65536);
    assert.throws(() => parseAgentArgs(['--openmetrics-created']), /--openmetrics-created needs --openmetrics/);
    assert.throws(() => parseAgentArgs(['--stream-buffer-bytes', '10']), /--stream-buffer-bytes 10: it must be a whole number ≥ 1024/);
    const agent = await startAgent({ listen: '127.0.0.1:0', stream: '127.0.0.1:0', openMetrics: true, log: () => undefined });
    try {
      const om = await fetch(`${agent.url}/metrics`, { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } });
      assert.match(om.headers.get('content-type') ?? '', /openmetrics/);
      assert.ok((await om.text()).endsWith('# EOF\n'));
    } finally {
      await agent.close();
    }
  });
});

describe('a real Prometheus scraping the agent', { ...needs('prometheus') }, () => {
  let prom: RunningPrometheus | undefined;
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;

  before(async () => {
    agent = await startAgent({ listen: '127.0.0.1:0', log: () => undefined });
    prom = await startPrometheus(new URL(agent.url).host, 'meterkit', { interval: '1s', timeout: '900ms' });
  });
  after(async () => {
    await prom?.stop();
    await agent?.close();
  });

  const query = (q: string): ReturnType<RunningPrometheus['query']> => (prom as RunningPrometheus).query(q);

  it('receives a recorded value unchanged, with its labels', async () => {
    const reg = agent?.registry;
    assert.ok(reg);
    reg.describeCounter('meterkit_e2e_orders_total', undefined, 'Orders seen by the end-to-end test');
    reg.counter('meterkit_e2e_orders_total', { shop: 'a "quoted" \\ shop', region: 'eu' }).increment(4242.5);
    reg.gauge('meterkit_e2e_temperature').set(-17.25);
    reg.histogram('meterkit_e2e_latency_seconds').record(0.3);
    const orders = await waitFor(() => query('meterkit_e2e_orders_total'), 30_000, 'the counter in Prometheus');
    assert.equal(orders[0]?.value[1], '4242.5');
    assert.equal(orders[0]?.metric.shop, 'a "quoted" \\ shop');
    assert.equal(orders[0]?.metric.region, 'eu');
    const temp = await waitFor(() => query('meterkit_e2e_temperature'), 30_000, 'the gauge');
    assert.equal(temp[0]?.value[1], '-17.25');
    const bucket = await waitFor(() => query('meterkit_e2e_latency_seconds_bucket{le="0.5"}'), 30_000, 'the histogram');
    assert.equal(bucket[0]?.value[1], '1');
    const up = await waitFor(() => query('up{job="meterkit"}'), 10_000, 'up');
    assert.equal(up[0]?.value[1], '1');
  });
});

describe('the agent streams', () => {
  it('process metrics move on the stream, and its clients show in /metrics', async () => {
    const { StreamClient } = await import('../../src/observer/index.js');
    const agent = await startAgent({ listen: '127.0.0.1:0', stream: '127.0.0.1:0', streamInterval: 50, log: () => undefined });
    const client = new StreamClient('127.0.0.1', agent.stream?.address().port as number, { retryMs: 100 });
    try {
      const heap: number[] = [];
      let meta = 0;
      client.on('event', (e) => {
        if (e.type === 'metadata') meta++;
        else if (e.name === 'nodejs_heap_size_used_bytes') heap.push(e.value);
      });
      client.start();
      await waitFor(async () => (heap.length >= 3 ? true : undefined), 10_000, 'three heap samples on the stream');
      assert.ok(meta > 20, `metadata replayed: ${meta}`);
      const text = (await get(`${agent.url}/metrics`)).body.toString();
      assert.match(text, /^meterkit_tcp_clients 1$/m);
    } finally {
      await client.close();
      await agent.close();
    }
  });
});
