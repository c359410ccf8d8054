/**
 * Issue #8 §5: durations above 2^31−1 ms became 1 ms (TimeoutOverflowWarning); CLI numbers
 * like 0x10 and 1e12 were accepted; a bad --stream value was called a listen address; bad
 * ports exited 1 instead of 2.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAgent } from '../../src/cli/agent.js';
import { main, parseAgentArgs } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/usage.js';

async function exitOf(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(argv, () => undefined, (s) => (err += s));
  return { code, err };
}

describe('regression: one parser for command-line numbers', () => {
  it('refuses hex, exponents, signs and overflowing durations, naming flag, value and rule', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['--collect-timeout', '0x10', /invalid --collect-timeout "0x10": write a whole number of ms, or one with a unit/],
      ['--collect-timeout', '1e12', /invalid --collect-timeout "1e12"/],
      ['--collect-timeout', '2147483648', /invalid --collect-timeout 2147483648: a duration must be a whole number of ms from 1 to 2147483647/],
      ['--stream-interval', '9999999999', /invalid --stream-interval 9999999999/],
      ['--stream-interval', '+5', /invalid --stream-interval "\+5"/],
      ['--stream-buffer', '1e3', /invalid --stream-buffer "1e3"/],
      ['--stream-buffer', '010', /invalid --stream-buffer "010"/],
      ['--max-concurrent', '0x10', /invalid --max-concurrent "0x10"/],
    ];
    for (const [flag, value, msg] of cases) {
      assert.throws(() => parseAgentArgs([flag, value]), (e: Error) => e instanceof UsageError && msg.test(e.message), `${flag} ${value}`);
    }
    assert.deepEqual(
      parseAgentArgs(['--collect-timeout', '2147483647', '--stream-interval', '250', '--stream-buffer', '64']),
      { listen: undefined, process: true, stream: '127.0.0.1:5000', collectTimeout: 2147483647, streamInterval: 250, streamBuffer: 64 },
    );
  });

  it('calls a bad --stream value a stream address, and bad addresses exit 2', async () => {
    const stream = await exitOf(['agent', '--listen', '127.0.0.1:0', '--stream', 'nope']);
    assert.equal(stream.code, 2);
    assert.match(stream.err, /invalid --stream address "nope"/);
    for (const argv of [
      ['agent', '--listen', '127.0.0.1:99999', '--no-stream'],
      ['agent', '--listen', '127.0.0.1:0', '--stream', '127.0.0.1:70000'],
      ['observe', '127.0.0.1:65536'],
    ]) {
      const r = await exitOf(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, /port 0–65535/);
    }
  });

  it('startAgent checks the stream interval itself', async () => {
    await assert.rejects(
      startAgent({ listen: '127.0.0.1:0', stream: '127.0.0.1:0', streamInterval: 2 ** 31, log: () => undefined }),
      { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /streamInterval 2147483648/ },
    );
    await assert.rejects(startAgent({ listen: '127.0.0.1:0', stream: 'nope', log: () => undefined }), /invalid stream address "nope"/);
  });
});
