/**
 * Fixes of the peer monitor review (#11) not covered by the reviewer's monitor-*.test.ts files:
 * each test fails on the code before its fix.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/core/registry.js';
import { HttpServer } from '../../src/http/server.js';
import { MONITOR_HTTP_BASE, Monitor, Reporter, createMonitorApi, httpSender } from '../../src/monitor/index.js';
import type { Alert } from '../../src/monitor/index.js';
import { formatAlert, startMonitorParts } from '../../src/cli/monitor-agent.js';
import { parseAgentArgs } from '../../src/cli/main.js';
import type { AgentConfig } from '../../src/cli/agent.js';
import { capture } from '../helpers/cli.js';
import { peersTable } from '../../src/cli/peers.js';
import { render } from '../../src/prometheus/render.js';
import { sampleValue } from '../helpers/backends.js';

const T0 = 1_700_000_000_000;

describe('monitor fixes: well-formed strings (#5)', () => {
  it('a string value with a lone surrogate is refused, as a peer id with one is', () => {
    const mon = new Monitor({ now: () => T0, onError: () => undefined });
    const [m] = JSON.parse('[{"name":"note","peer":"a","value":"x\\ud800","ttl":1000}]') as unknown[];
    assert.throws(() => mon.logMetric(m), { code: 'ERR_METERKIT_INVALID_METRIC', field: 'value', message: /lone surrogates/ });
    assert.throws(() => new Monitor({ peers: ['b\udc00'] }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /lone surrogates/ });
  });
});

describe('monitor fixes: outages that outlive forgetAfter (#8)', () => {
  it('the record of pairs forgotten while down is bounded by maxWindows; what it drops is counted', async () => {
    const clock = { t: T0 };
    const registry = new Registry();
    const alerts: string[] = [];
    const mon = new Monitor({ now: () => clock.t, maxWindows: 1, forgetAfter: 1000, recorder: registry, onError: () => undefined });
    mon.on('alert', (a) => alerts.push(`${a.kind} ${a.peer}`));
    for (const peer of ['a', 'b']) {
      mon.logMetric({ name: 'ping', peer, ttl: 100 });
      clock.t += 200;
      mon.check(); // down
      clock.t += 1000;
      mon.check(); // forgotten in its outage
    }
    mon.logMetric({ name: 'ping', peer: 'b', ttl: 100 }); // b's outage was remembered: up
    clock.t += 2000;
    mon.check();
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 100 }); // a's was dropped to make room for b's
    assert.deepEqual(alerts, ['down a', 'down b', 'up b', 'down b']);
    await registry.collect();
    assert.equal(sampleValue(render(registry), 'meterkit_monitor_forgotten_outages_dropped_total', {}), 1);
    await mon.close();
  });
});

describe('monitor fixes: coded errors (#12)', () => {
  it('a throwing alert listener reaches onError as a coded MeterkitError with the listener\'s error as cause', () => {
    const clock = { t: T0 };
    const errors: Error[] = [];
    const mon = new Monitor({ now: () => clock.t, onError: (e) => errors.push(e) });
    mon.on('alert', () => {
      throw 'not even an Error';
    });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 5 });
    clock.t += 10;
    assert.equal(mon.check().length, 1);
    assert.equal((errors[0] as Error & { code?: string }).code, 'ERR_METERKIT_MONITOR_HOOK');
    assert.equal(errors[0]?.cause, 'not even an Error');
  });
});

describe('monitor fixes: smaller (#15)', () => {
  it('an up says how long the outage lasted, also after the pair was forgotten', () => {
    const clock = { t: T0 };
    const alerts: Alert[] = [];
    const mon = new Monitor({ now: () => clock.t, forgetAfter: 60_000, onError: () => undefined });
    mon.on('alert', (a) => alerts.push(a));
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 1000 });
    clock.t += 2000;
    mon.check(); // down at T0 + 2000
    clock.t += 3000;
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 1000 }); // up at T0 + 5000
    assert.equal(alerts[1]?.downSince, T0 + 2000);
    assert.equal(formatAlert(alerts[1] as Alert), 'meterkit monitor: up peer "a" metric "ping" (last seen 0 ms before; down for 3000 ms)');
    clock.t += 2000;
    mon.check(); // down at T0 + 7000
    clock.t += 70_000;
    mon.check(); // forgotten
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 1000 });
    assert.equal(alerts[3]?.kind, 'up');
    assert.equal(alerts[3]?.downSince, T0 + 7000);
  });

  it('windowCap 1 with the phi detector is refused naming windowCap, not minSamples', () => {
    assert.throws(() => new Monitor({ windowCap: 1, detector: { kind: 'phi' } }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /^invalid windowCap 1 for the phi detector/ });
  });
});

describe('monitor fixes: one byte rule for HTTP and NATS (#7)', () => {
  const monitor = new Monitor({ onError: () => undefined });
  let server: HttpServer;
  before(async () => {
    server = new HttpServer({ port: 0 }).routeTree(MONITOR_HTTP_BASE, createMonitorApi(monitor));
    await server.listen();
  });
  after(() => Promise.all([monitor.close(), server.close()]).then(() => undefined));

  it('a body declared in a charset other than utf-8 is refused with 415 naming it; utf-8 (any spelling) and a BOM pass', async () => {
    const post = (type: string, body: string | Buffer): Promise<Response> => fetch(`${server.url()}/monitor/v1/metrics`, { method: 'POST', headers: { 'Content-Type': type }, body });
    const res = await post('application/json; charset=iso-8859-1', Buffer.from('[{"name":"ping","peer":"caf\xe9","ttl":60000}]', 'latin1'));
    assert.equal(res.status, 415);
    assert.match(await res.text(), /charset=\\"iso-8859-1\\"/);
    assert.deepEqual(monitor.status(), []);
    for (const type of ['application/json; charset=UTF-8', 'application/json;charset="utf-8"']) {
      const ok = await post(type, '\ufeff[{"name":"ping","peer":"café","ttl":60000}]');
      assert.equal(ok.status, 200, await ok.text());
    }
    assert.deepEqual(monitor.status().map((s) => s.peer), ['café']);
  });
});

describe('monitor fixes: Reporter.close() is bounded and aborts the HTTP send (#9)', () => {
  it('close() aborts the request in flight to a monitor that never answers', async () => {
    const held: IncomingMessage[] = [];
    const server = createServer((req) => held.push(req)); // never answers
    const arrived = new Promise<IncomingMessage>((resolve) => {
      server.once('request', resolve);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const r = new Reporter({ peer: 'p1', send: httpSender({ url: `http://127.0.0.1:${port}`, timeout: 60_000 }), interval: 1000, ttl: 3000, informers: [] });
      void r.report();
      const req = await arrived;
      const gone = once(req.socket, 'close'); // the request itself errors with ECONNRESET: aborted
      await r.close(); // waits at most REPORTER_CLOSE_WAIT, then aborts
      await gone; // the client dropped the request: nothing is left open
      assert.equal(held.length, 1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('monitor fixes: one URL rule, URLs masked in every message (#2)', () => {
  it('httpSender\'s failure names the monitor without the URL\'s query values (the one rule: core/redact.ts)', async () => {
    const send = httpSender({ url: 'http://127.0.0.1:1/monitor/v1/metrics?token=hunter2-do-not-print', timeout: 5000 });
    await assert.rejects(send([{ name: 'ping', peer: 'p', ttl: 1000 }]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_METERKIT_MONITOR_REPORT');
      assert.match(err.message, /^POST http:\/\/127\.0\.0\.1:1\/monitor\/v1\/metrics\?token=\*\*\* failed/);
      assert.ok(!err.message.includes('hunter2'), err.message);
      return true;
    });
  });

  it('a URL that does not parse is shown with what could be credentials masked', () => {
    assert.throws(() => httpSender({ url: 'http://admin:hunter2@[::1' }), (err: Error) => !err.message.includes('hunter2') && /\*\*\*@/.test(err.message));
  });
});

describe('monitor fixes: meterkit peers escapes non-printables (#10)', () => {
  it('escapes controls, bidi overrides, separators and backslashes in every cell', () => {
    const table = peersTable([{ peer: 'a\u202eb', metric: 'm', value: 'x\\y\u2028z\u0007', lastSeen: 0, expire: 0, state: 'up', phi: null }], 0);
    assert.equal(table.split('\n')[1], 'a\\u{202e}b  m       x\\\\y\\u{2028}z\\u{7}  0ms  up     -');
  });
});

describe('monitor fixes: the reporter has its own credentials (#14)', () => {
  const parse = (args: string[], env: NodeJS.ProcessEnv = {}): AgentConfig => parseAgentArgs(['--no-stream', ...args], env) as AgentConfig;

  it('--report-to never sends the agent\'s inbound --auth-token; --report-auth-token and the variables do', async () => {
    assert.equal(parse(['--report-to', 'http://127.0.0.1:1', '--auth-token', 'inbound']).report?.auth, undefined);
    assert.deepEqual(parse(['--report-to', 'http://127.0.0.1:1', '--auth-token', 'inbound', '--report-auth-token', 'outbound']).report?.auth, { token: 'outbound' });
    assert.deepEqual(parse(['--report-to', 'http://127.0.0.1:1'], { METERKIT_REPORT_BASIC_AUTH: 'u:p', METERKIT_AUTH_TOKEN: 'inbound' }).report?.auth, { basic: { username: 'u', password: 'p' } });
    for (const args of [['--report-to', 'http://127.0.0.1:1', '--report-basic-auth', 'nocolon-hunter2'], ['--report-to', 'nats://127.0.0.1:1', '--report-auth-token', 'hunter2'], ['--report-auth-token', 'hunter2']]) {
      const r = await capture(['agent', '--no-stream', ...args]);
      assert.equal(r.code, 2, r.err);
      assert.ok(!`${r.out}${r.err}`.includes('hunter2'), r.err);
    }
    // what goes on the wire
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"logged":1}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const report = parse(['--report-to', `http://127.0.0.1:${port}`, '--peer-id', 'p', '--report-auth-token', 'outbound']).report;
    const parts = await startMonitorParts(undefined, report, { server: new HttpServer({ port: 0 }), recorder: new Registry(), auth: { token: 'inbound' }, log: () => undefined });
    try {
      assert.equal(await parts.reporter?.report(), true);
      assert.deepEqual(seen, ['Bearer outbound']);
    } finally {
      await parts.close();
      server.close();
    }
  });
});

describe('monitor fixes: GET /monitor/v1/peers on many windows (#13)', () => {
  it('is compact JSON written in slices, with turns of the event loop between them', async () => {
    const monitor = new Monitor({ now: () => T0, onError: () => undefined });
    for (let p = 0; p < 5000; p++) monitor.logMetrics(['ping', 'cpu', 'rss', 'lag'].map((name) => ({ name, peer: `p${p}`, value: p, ttl: 60_000 })));
    const api = createMonitorApi(monitor);
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const writtenAt: number[] = [];
    const server = createServer((req, res) => {
      const write = res.write.bind(res) as (chunk: unknown) => boolean;
      res.write = ((chunk: unknown) => {
        writtenAt.push(turns);
        return write(chunk);
      }) as typeof res.write;
      const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
      res.end = ((chunk?: unknown) => {
        writtenAt.push(turns);
        return end(chunk);
      }) as typeof res.end;
      void api(req, res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/monitor/v1/peers`);
      const text = await res.text();
      assert.equal(res.status, 200);
      assert.ok(!text.includes('\n '), 'compact JSON, no indentation');
      const rows = JSON.parse(text) as Array<{ peer: string; metric: string }>;
      assert.equal(rows.length, 20_000);
      assert.deepEqual(rows.slice(0, 4).map((r) => `${r.peer}/${r.metric}`), ['p0/cpu', 'p0/lag', 'p0/ping', 'p0/rss']);
      // 20 000 rows in slices of 2 000: ten writes, each on a later turn of the loop than the one before
      assert.ok(writtenAt.length >= 10, `${writtenAt.length} writes`);
      assert.ok(writtenAt.every((t, i) => i === 0 || t > (writtenAt[i - 1] as number)), `written at turns ${writtenAt.join(',')}`);
    } finally {
      ticking = false;
      server.close();
      await monitor.close();
    }
  });
});
