/**
 * #14 review round 2: "a flag given on the command line replaces exactly the key it stands for,
 * the file's other keys (of the same section too) stay" (README, to-agent.ts). Round one fixed the
 * monitor, report, proxy drain and state-dir flags; the same bug remains where a flag's own check
 * looks for a companion flag and ignores that the file already gives it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AgentConfig } from '../../src/cli/agent.js';
import { parseAgentArgs } from '../../src/cli/main.js';
import { tempDir } from '../helpers/tools.js';

const tmp = tempDir('r14b-flags');
after(() => tmp.remove());

function withFile(text: string, args: string[]): AgentConfig {
  const p = join(tmp.dir, 'm.yaml');
  writeFileSync(p, `stream:\n  enabled: false\n${text}`);
  const c = parseAgentArgs(['--config', p, ...args], {});
  assert.ok(c !== 'help');
  return c;
}

describe('r14b a flag beside the file key it depends on', () => {
  it('--openmetrics-created beside a file\'s http.openmetrics: true', () => {
    const c = withFile('http:\n  openmetrics: true\n', ['--openmetrics-created']);
    assert.equal(c.openMetrics, true);
    assert.equal(c.openMetricsCreated, true);
  });

  it('--notify-queue beside a file\'s notify.endpoints changes the queue only', () => {
    const c = withFile(`notify:\n  queue: memory\n  state_dir: ${tmp.dir}\n  endpoints:\n    - name: hook\n      url: http://127.0.0.1:9/\n`, ['--notify-queue', 'sqlite']);
    assert.equal(c.notify?.queue, 'sqlite');
    assert.deepEqual(c.notify?.endpoints.map((e) => e.name), ['hook']);
  });

  it('--tls-key beside a file\'s http.tls replaces the key only', () => {
    const c = withFile('http:\n  tls: {cert: a.pem, key: b.pem}\n', ['--tls-key', 'c.pem']);
    assert.deepEqual(c.tls, { cert: 'a.pem', key: 'c.pem' });
  });

  it('--tls-cert alone, with no tls in the file, is still refused', () => {
    assert.throws(() => withFile('http:\n  openmetrics: true\n', ['--tls-cert', 'c.pem']), /--tls-cert and --tls-key go together/);
  });

  it('--notify-queue memory beside a file\'s worker: true is refused (a worker needs NATS)', () => {
    const text = `notify:\n  queue: nats://127.0.0.1:4222\n  worker: true\n  state_dir: ${tmp.dir}\n  endpoints:\n    - name: hook\n      url: http://127.0.0.1:9/\n`;
    assert.throws(() => withFile(text, ['--notify-queue', 'memory']), /--notify-worker needs --notify-queue nats/);
  });

  it('--notify-worker beside a file\'s NATS queue makes a worker', () => {
    const c = withFile(`notify:\n  queue: nats://127.0.0.1:4222\n  state_dir: ${tmp.dir}\n  endpoints:\n    - name: hook\n      url: http://127.0.0.1:9/\n`, ['--notify-worker']);
    assert.equal(c.notify?.role, 'worker');
    assert.equal(c.notify?.nats, 'nats://127.0.0.1:4222');
  });
});
