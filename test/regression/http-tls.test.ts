/**
 * Issue #8 §5: bad TLS material (a mismatched pair, garbage, /dev/null) crashed the agent with
 * a raw OpenSSL error and left the stream port listening. Now: a coded error naming the files,
 * and everything started is closed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgent } from '../../src/cli/agent.js';
import { main } from '../../src/cli/main.js';
import { freePort, needs, run, tempDir } from '../helpers/tools.js';

/** True when 127.0.0.1:`port` can be bound again, i.e. nothing is left listening there. */
function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('regression: bad TLS material', () => {
  const tmp = tempDir('badtls');
  const garbage = join(tmp.dir, 'garbage.pem');
  before(() => writeFileSync(garbage, 'this is not PEM\n'));
  after(() => tmp.remove());

  async function refused(cert: string, key: string): Promise<void> {
    const port = await freePort();
    await assert.rejects(
      startAgent({ listen: '127.0.0.1:0', stream: `127.0.0.1:${port}`, tls: { cert, key }, log: () => undefined }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ERR_METERKIT_INVALID_TLS', e.stack);
        assert.ok(e.message.includes(`certificate "${cert}"`) && e.message.includes(`key "${key}"`), e.message);
        return true;
      },
    );
    assert.equal(await free(port), true, 'the stream port is not left listening');
  }

  it('garbage and /dev/null get a coded error naming the files, and nothing stays open', async () => {
    await refused(garbage, garbage);
    await refused('/dev/null', '/dev/null');
  });

  it('a key that does not match its certificate too, and the command exits 1 without a stack', { ...needs('openssl') }, async () => {
    const files = ['c1', 'k1', 'c2', 'k2'].map((n) => join(tmp.dir, `${n}.pem`));
    const [c1, k1, , k2] = files as [string, string, string, string];
    for (const [c, k] of [[files[0], files[1]], [files[2], files[3]]] as Array<[string, string]>) {
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', k, '-out', c, '-days', '1', '-subj', '/CN=127.0.0.1']);
    }
    await refused(c1, k2);
    await refused(c1, '/dev/null');
    let err = '';
    const code = await main(['agent', '--listen', '127.0.0.1:0', '--no-stream', '--no-process', '--tls-cert', c1, '--tls-key', k2], () => undefined, (s) => (err += s));
    assert.equal(code, 1);
    assert.match(err, /invalid TLS material \(certificate ".*c1\.pem", key ".*k2\.pem"\): key values mismatch/);
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    assert.ok(k1);
  });
});
