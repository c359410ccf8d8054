/** The one-line spellings of the command line (backends, health checks) and the client address bytes iphash uses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBackendSpec, parseHealthSpec } from '../../src/proxy/index.js';
import { ipBytes } from '../../src/proxy/strategy.js';

const INVALID = 'ERR_METERKIT_INVALID_ARGUMENT';

describe('parseBackendSpec', () => {
  it('reads host:port with optional weight and priority', () => {
    assert.deepEqual(parseBackendSpec('127.0.0.1:9001'), { host: '127.0.0.1', port: 9001, weight: 1, priority: 1 });
    assert.deepEqual(parseBackendSpec('10.0.0.2:80,weight=3'), { host: '10.0.0.2', port: 80, weight: 3, priority: 1 });
    assert.deepEqual(parseBackendSpec('db.local:5432,priority=0,weight=7'), { host: 'db.local', port: 5432, weight: 7, priority: 0 });
    assert.deepEqual(parseBackendSpec('[::1]:9002,weight=2'), { host: '::1', port: 9002, weight: 2, priority: 1 });
  });

  it('refuses a bad spec with a coded error naming the value', () => {
    const cases: Array<[string, RegExp]> = [
      ['x', /"x"/],
      ['127.0.0.1', /"127\.0\.0\.1"/],
      ['127.0.0.1:0', /"127\.0\.0\.1:0".*port 0/],
      ['127.0.0.1:65536', /65536/],
      ['127.0.0.1:9001,weight=0', /weight.*"?0"?/],
      ['127.0.0.1:9001,weight=-1', /weight.*-1/],
      ['127.0.0.1:9001,weight=1.5', /weight.*1\.5/],
      ['127.0.0.1:9001,weight=', /weight/],
      ['127.0.0.1:9001,weight=abc', /"abc"/],
      ['127.0.0.1:9001,priority=-1', /priority.*-1/],
      ['127.0.0.1:9001,weight', /"weight" is not one of weight=…, priority=…/],
      ['127.0.0.1:9001,color=red', /"color=red"/],
      ['127.0.0.1:9001,weight=1,weight=2', /weight is given twice/],
      [',weight=1', /backend address ""/],
    ];
    for (const [spec, message] of cases) assert.throws(() => parseBackendSpec(spec), { code: INVALID, message }, spec);
  });
});

describe('parseHealthSpec', () => {
  it('reads ping with the defaults, and every timing key', () => {
    assert.deepEqual(parseHealthSpec('ping'), { kind: 'ping', interval: 2000, timeout: 1000, fails: 1, passes: 1 });
    assert.deepEqual(parseHealthSpec('ping,interval=500ms,timeout=2s,fails=3,passes=2'), { kind: 'ping', interval: 500, timeout: 2000, fails: 3, passes: 2 });
  });

  it('reads probe: send and expect with escapes, expect as a string or a /regex/flags', () => {
    const p = parseHealthSpec('probe,send=PING\\r\\n,expect=PONG');
    assert.equal(p.kind, 'probe');
    assert.equal(p.kind === 'probe' && p.send, 'PING\r\n');
    assert.equal(p.kind === 'probe' && p.expect, 'PONG');
    const r = parseHealthSpec('probe,send=a\\,b\\tc,expect=/^ok\\, (fine|good)$/i,interval=1s');
    assert.ok(r.kind === 'probe' && r.expect instanceof RegExp);
    assert.equal(r.send, 'a,b\tc');
    assert.equal(r.expect.source, '^ok, (fine|good)$');
    assert.equal(r.expect.flags, 'i');
    assert.equal(r.interval, 1000);
    const bs = parseHealthSpec('probe,send=x\\\\y,expect=\\\\r');
    assert.ok(bs.kind === 'probe');
    assert.equal(bs.send, 'x\\y', '\\\\ is one backslash');
    assert.equal(bs.expect, '\\r', '\\\\r is a backslash and an r, not a carriage return');
  });

  it('reads exec with its command', () => {
    assert.deepEqual(parseHealthSpec('exec,command=/usr/local/bin/check,fails=2'), { kind: 'exec', command: '/usr/local/bin/check', interval: 2000, timeout: 1000, fails: 2, passes: 1 });
  });

  it('refuses a bad spec with a coded error naming the value', () => {
    const cases: Array<[string, RegExp]> = [
      ['pong', /unknown health check kind "pong"/],
      ['', /unknown health check kind ""/],
      ['ping,send=x', /send= does not apply to ping/],
      ['ping,command=/bin/true', /command= does not apply to ping/],
      ['exec,expect=x,command=/bin/true', /expect= does not apply to exec/],
      ['probe,expect=PONG', /invalid probe send ""/],
      ['probe,send=PING', /invalid probe expect ""/],
      ['probe,send=PING,expect=/(/', /invalid probe expect "\/\(\/"/],
      ['exec', /invalid exec command ""/],
      ['ping,interval=0', /interval 0/],
      ['ping,interval=2 s', /interval.*"2 s"/],
      ['ping,timeout=-1s', /timeout.*"-1s"/],
      ['ping,fails=0', /fails.*0/],
      ['ping,passes=1001', /passes.*1001/],
      ['ping,interval', /"interval" is not one of/],
      ['ping,every=2s', /"every=2s"/],
      ['ping,fails=1,fails=2', /fails is given twice/],
    ];
    for (const [spec, message] of cases) assert.throws(() => parseHealthSpec(spec), { code: INVALID, message }, spec);
  });
});

describe('ipBytes (the client address iphash hashes)', () => {
  it('gives 4 bytes for IPv4, also when IPv4-mapped', () => {
    assert.deepEqual(ipBytes('127.0.0.1'), [127, 0, 0, 1]);
    assert.deepEqual(ipBytes('::ffff:10.1.2.3'), [10, 1, 2, 3]);
    assert.deepEqual(ipBytes('::FFFF:192.168.0.254'), [192, 168, 0, 254]);
  });

  it('gives 16 bytes for IPv6, with :: expanded wherever it is', () => {
    assert.deepEqual(ipBytes('::1'), [...Array<number>(15).fill(0), 1]);
    assert.deepEqual(ipBytes('::'), Array<number>(16).fill(0));
    assert.deepEqual(ipBytes('2001:db8::1'), [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 1]);
    assert.deepEqual(ipBytes('fe80::'), [0xfe, 0x80, ...Array<number>(14).fill(0)]);
    assert.deepEqual(ipBytes('1:2:3:4:5:6:7:8'), [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    assert.deepEqual(ipBytes('2001:db8:0:0:0:0:0:1'), ipBytes('2001:db8::1'), 'the same address spelled two ways');
  });
});
