/**
 * Regression: a Docker URL the collector refuses was quoted whole in the error, so
 * `--docker http://user:password@host:2375` printed the password at agent start (the config
 * check redacted first; the flag path did not). The error now shows it by the one URL
 * redaction rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveDockerUrl } from '../../src/collectors/docker/client.js';

describe('docker: a refused engine URL', () => {
  it('is named without its password or query values', () => {
    for (const url of ['http://ops:Pa55word@127.0.0.1:2375', 'tcp://127.0.0.1:2375/?token=Pa55word']) {
      assert.throws(() => resolveDockerUrl(url, {}), (err: Error) => {
        assert.match(err.message, /invalid Docker URL/);
        assert.ok(!err.message.includes('Pa55word'), err.message);
        return true;
      });
    }
  });
});
