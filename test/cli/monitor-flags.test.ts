/**
 * The monitor's and the reporter's flags on `meterkit agent`, and `meterkit peers`' help and
 * table: what each flag turns into, and usage errors (exit 2) naming the flag and the value.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { parseAgentArgs } from '../../src/cli/main.js';
import { capture } from '../helpers/cli.js';
import { formatAge, peersTable } from '../../src/cli/peers.js';
import type { AgentConfig } from '../../src/cli/agent.js';
import { freePort } from '../helpers/tools.js';

function parse(args: string[]): AgentConfig {
  const c = parseAgentArgs(['--no-stream', ...args], {});
  assert.notEqual(c, 'help');
  return c as AgentConfig;
}

describe('meterkit agent: monitor and reporting flags', () => {
  it('--monitor and its options', () => {
    assert.equal(parse([]).monitor, undefined);
    assert.deepEqual(parse(['--monitor']).monitor, { detector: { kind: 'ttl' }, checkInterval: undefined, peers: undefined, nats: undefined });
    assert.deepEqual(parse(['--monitor', '--monitor-detector', 'phi', '--monitor-check-interval', '200ms', '--monitor-peers', 'a, b,c']).monitor, {
      detector: { kind: 'phi' },
      checkInterval: 200,
      peers: ['a', 'b', 'c'],
      nats: undefined,
    });
    assert.deepEqual(parse(['--monitor-nats', 'nats://127.0.0.1:4222']).monitor?.nats, 'nats://127.0.0.1:4222', '--monitor-nats implies --monitor');
  });

  it('--report-to and its options, with the default peer id HOSTNAME:PID', () => {
    assert.equal(parse([]).report, undefined);
    assert.deepEqual(parse(['--report-to', 'http://127.0.0.1:9464']).report, {
      to: 'http://127.0.0.1:9464',
      transport: 'http',
      peer: `${hostname()}:${process.pid}`,
      interval: 5000,
      ttl: 15_000,
    });
    assert.equal(parse(['--report-to', 'nats://127.0.0.1']).report?.to, 'nats://127.0.0.1:4222', 'the NATS port defaults to 4222');
    assert.deepEqual(parse(['--report-to', 'nats://127.0.0.1:4222', '--peer-id', 'p1', '--report-interval', '200ms', '--report-ttl', '1s']).report, {
      to: 'nats://127.0.0.1:4222',
      transport: 'nats',
      peer: 'p1',
      interval: 200,
      ttl: 1000,
    });
    assert.equal(parse(['--report-to', 'http://h:1', '--report-interval', '10s']).report?.ttl, 30_000, 'default ttl: three intervals when more than 15 s');
  });

  it('usage errors name the flag and the value', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--monitor-detector', 'phi'], /--monitor-detector needs --monitor/],
      [['--monitor', '--monitor-detector', 'gossip'], /unknown --monitor-detector "gossip": use ttl or phi/],
      [['--monitor', '--monitor-check-interval', '0'], /invalid --monitor-check-interval 0: a duration/],
      [['--monitor', '--monitor-check-interval', 'soon'], /invalid --monitor-check-interval "soon"/],
      [['--monitor', '--monitor-peers', 'a,,b'], /invalid --monitor-peers peer "": it must be a string of 1 to 256 characters/],
      [['--monitor-nats', 'http://127.0.0.1:4222'], /--monitor-nats: invalid NATS URL "http:\/\/127.0.0.1:4222": use nats:\/\/host:port/],
      [['--peer-id', 'p1'], /--peer-id needs --report-to/],
      [['--report-interval', '1s'], /--report-interval needs --report-to/],
      [['--report-to', 'ftp://h:1'], /invalid monitor url "ftp:\/\/h:1": the scheme must be http or https/],
      [['--report-to', 'nonsense'], /invalid monitor url "nonsense"/],
      [['--report-to', 'nats://'], /--report-to: invalid NATS URL "nats:\/\/"/],
      [['--report-to', 'http://u:hunter2@h:1'], /credentials not shown/],
      [['--report-to', 'http://h:1', '--report-interval', '1x'], /invalid --report-interval "1x"/],
      [['--report-to', 'http://h:1', '--report-interval', '1s', '--report-ttl', '1s'], /invalid --report-ttl 1000: it must be more than the --report-interval \(1000 ms\)/],
      [['--report-to', 'http://h:1', '--peer-id', ''], /invalid --peer-id ""/],
      [['--report-to', 'http://h:1', '--peer-id', 'a\nb'], /invalid --peer-id "a\\nb": it must be a string of 1 to 256 characters with no control characters/],
    ];
    for (const [args, re] of cases) {
      const r = await capture(['agent', '--no-stream', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re, args.join(' '));
      assert.doesNotMatch(r.err, /hunter2/, 'a password in a URL is never repeated');
    }
  });

  it('the agent help has a Monitor and a Reporting section', async () => {
    const r = await capture(['agent', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--monitor ', '--monitor-nats', '--monitor-detector', '--monitor-check-interval', '--monitor-peers', '--report-to', '--peer-id', '--report-interval', '--report-ttl']) {
      assert.ok(r.out.includes(flag), flag);
    }
    assert.match(r.out, /^Monitor \(/m);
    assert.match(r.out, /^Reporting \(/m);
  });
});

describe('meterkit peers: help and table', () => {
  it('meterkit help peers and meterkit peers --help', async () => {
    const a = await capture(['help', 'peers']);
    const b = await capture(['peers', '--help']);
    assert.equal(a.code, 0);
    assert.equal(b.code, 0);
    assert.equal(a.out, b.out);
    assert.match(a.out, /^Usage: meterkit peers \[--url http:\/\/127\.0\.0\.1:9464\] \[--json\]/);
    assert.match((await capture(['--help'])).out, /^ {2}peers {13}Show the peers/m);
  });

  it('usage errors: unknown flag, bad url, bad timeout', async () => {
    for (const [args, re] of [
      [['--frob'], /Unknown option '--frob'/],
      [['--url', 'ftp://x:1'], /invalid --url "ftp:\/\/x:1"/],
      [['--url', '::'], /invalid --url "::"/],
      [['--timeout', '1.5s'], /invalid --timeout "1.5s"/],
    ] as Array<[string[], RegExp]>) {
      const r = await capture(['peers', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, re);
    }
  });

  it('an agent that does not answer: exit 1 with the reason', async () => {
    const port = await freePort();
    const r = await capture(['peers', '--url', `http://127.0.0.1:${port}`, '--timeout', '5s']);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`meterkit peers: cannot ask http://127\\.0\\.0\\.1:${port}/monitor/v1/peers: fetch failed: .*ECONNREFUSED`));
  });

  it('table: aligned columns, age, "-" for no phi and empty values', () => {
    const now = 1_000_000;
    const t = peersTable(
      [
        { peer: 'p1', metric: 'cpu_ratio', value: 0.123456, lastSeen: now - 1500, expire: now + 1000, state: 'up', phi: null },
        { peer: 'peer-two', metric: 'ping', value: '', lastSeen: now - 200, expire: now - 10, state: 'down', phi: 9.5 },
      ],
      now,
    );
    assert.equal(
      t,
      ['PEER      METRIC     VALUE  AGE    STATE  PHI', 'p1        cpu_ratio  0.123  1.5s   up     -', 'peer-two  ping       -      200ms  down   9.50', ''].join('\n'),
    );
    assert.deepEqual([formatAge(-5), formatAge(59_999), formatAge(61_000), formatAge(3_723_000)], ['0ms', '60.0s', '1m1s', '1h2m']);
  });
});
