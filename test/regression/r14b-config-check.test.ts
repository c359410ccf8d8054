/**
 * #14 review round 2: `meterkit config check` must print every problem as file:line:col, key
 * path, bad value and rule (issue #14, config 1–2), and pass only files the agent runs. Found:
 * inputs on which the check throws instead (a raw SyntaxError / ReferenceError, no position), a
 * rule message that is zod's default "Invalid input", and files the check passes that the agent
 * then refuses at start (docker.url, two servers on one fixed bind address).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configCommand } from '../../src/cli/config-command.js';
import { checkConfigText, formatProblem } from '../../src/cli/config/load.js';
import { tempDir } from '../helpers/tools.js';

const tmp = tempDir('r14b-config-check');
after(() => tmp.remove());


/** The problems' lines, or a failure naming what the check threw instead. */
function problems(yaml: string): string[] {
  let r: ReturnType<typeof checkConfigText>;
  try {
    r = checkConfigText('m.yaml', yaml, {});
  } catch (err) {
    assert.fail(`config check threw instead of naming the problem: ${(err as Error).constructor.name}: ${(err as Error).message}`);
  }
  assert.equal(r.ok, false, 'the check passed the file');
  return r.ok ? [] : r.problems.map(formatProblem);
}

const server = (extra: string): string => `stream:\n  enabled: false\nproxy:\n  servers:\n    - bind: 127.0.0.1:0\n      backends: [127.0.0.1:9001]\n${extra}`;

describe('r14b config check never throws, and says where', () => {
  it('a bad healthcheck.expect_regex is a problem at its line, not a SyntaxError', () => {
    const p = problems(server('      healthcheck: {kind: probe, send: x, expect_regex: "("}\n'));
    assert.match(p.join('\n'), /^m\.yaml:7:\d+: proxy\.servers\[0\]\.healthcheck.*expect_regex/m);
  });

  it('an alias to no anchor is a problem at its line, not a ReferenceError', () => {
    const p = problems('stream:\n  enabled: false\nhttp:\n  auth:\n    token: *tok\n');
    assert.match(p.join('\n'), /^m\.yaml:5:\d+: http\.auth\.token: YAML: alias \*tok has no anchor/m);
  });

  it('an alias bomb is a problem, not a ReferenceError', () => {
    const rows = ['a: &a [1,1,1,1,1,1,1,1,1,1]'];
    for (const [x, y] of [['b', 'a'], ['c', 'b'], ['d', 'c']]) rows.push(`${x}: &${x} [${Array(10).fill(`*${y}`).join(',')}]`);
    const p = problems(`${rows.join('\n')}\n`);
    assert.ok(p.length > 0);
  });
});

describe('r14b config check of several files', () => {
  it('checks every file whatever one of them holds', () => {
    const bad = join(tmp.dir, 'bad.yaml');
    const good = join(tmp.dir, 'good.yaml');
    writeFileSync(bad, server('      healthcheck: {kind: probe, send: x, expect_regex: "("}\n'));
    writeFileSync(good, 'stream:\n  enabled: false\n');
    const out: string[] = [];
    const err: string[] = [];
    const code = configCommand(['check', bad, good], (s) => out.push(s), (s) => err.push(s), {});
    assert.equal(code, 1);
    assert.match(err.join(''), /bad\.yaml:7:\d+: proxy\.servers\[0\]\.healthcheck: invalid expect_regex/);
    assert.deepEqual(out, [`${good}: ok\n`]);
  });
});

describe('r14b every problem names the rule and the bad value', () => {
  it('a duration of the wrong type says it wants a duration (not zod\'s "Invalid input")', () => {
    const p = problems('stream:\n  enabled: false\nmonitor:\n  check_interval: true\n');
    assert.match(p[0] ?? '', /^m\.yaml:4:19: monitor\.check_interval: /);
    assert.doesNotMatch(p[0] ?? '', /Invalid input/);
    assert.match(p[0] ?? '', /duration/);
  });

  it('a backend of the wrong type says what a backend is', () => {
    const p = problems(server('').replace('[127.0.0.1:9001]', '[12]'));
    assert.doesNotMatch(p[0] ?? '', /Invalid input/);
    assert.match(p[0] ?? '', /host:port/);
  });

  it('a list where a string is expected says it got a list', () => {
    const p = problems('stream:\n  enabled: false\nhttp:\n  listen: [1, 2]\n');
    assert.match(p[0] ?? '', /^m\.yaml:4:11: http\.listen: expected string, got a list of 2$/);
  });

  it('a mapping where a duration is expected says it got a mapping', () => {
    const p = problems('stream:\n  enabled: false\nhttp:\n  collect_timeout: {a: 1}\n');
    assert.match(p[0] ?? '', /^m\.yaml:4:20: http\.collect_timeout: expected a duration.*\(got a mapping of 1 key\)$/);
  });
});

describe('r14b the check passes only what the agent runs', () => {
  it('docker.url is checked by the engine URL rule', () => {
    const p = problems('stream:\n  enabled: false\ndocker:\n  url: bogus\n');
    assert.match(p.join('\n'), /^m\.yaml:4:8: docker\.url: /m);
  });

  it('docker.url with credentials is refused without printing them', () => {
    const p = problems('stream:\n  enabled: false\ndocker:\n  url: http://u:S3KRIT@127.0.0.1:2375\n');
    assert.ok(!p.join('\n').includes('S3KRIT'), p.join('\n'));
  });

  it('two proxy servers on one fixed bind address', () => {
    const yaml = 'stream:\n  enabled: false\nproxy:\n  servers:\n    - name: a\n      bind: 127.0.0.1:7000\n      backends: [127.0.0.1:9001]\n    - name: b\n      bind: 127.0.0.1:7000\n      backends: [127.0.0.1:9001]\n';
    const p = problems(yaml);
    assert.match(p.join('\n'), /proxy\.servers\[1\]\.bind/);
  });

  it('two proxy servers on port 0 of one host pass', () => {
    const yaml = 'stream:\n  enabled: false\nproxy:\n  servers:\n    - name: a\n      bind: 127.0.0.1:0\n      backends: [127.0.0.1:9001]\n    - name: b\n      bind: 127.0.0.1:0\n      backends: [127.0.0.1:9001]\n';
    assert.equal(checkConfigText('m.yaml', yaml, {}).ok, true);
  });

  it('a probe with both expect and expect_regex (one is silently ignored)', () => {
    const p = problems(server('      healthcheck: {kind: probe, send: x, expect: a, expect_regex: b}\n'));
    assert.match(p.join('\n'), /proxy\.servers\[0\]\.healthcheck\.expect_regex: expect_regex and expect contradict/);
  });
});
