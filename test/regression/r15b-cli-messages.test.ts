/**
 * #15 review, round 2: a bad --remote-write* value is a usage error naming the flag the user
 * typed (src/cli/usage.ts: "the message naming the flag, value and rule"); these name the
 * library's option or "default labels" instead. Fixed; kept as a regression test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentArgs } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/usage.js';

describe('r15b review: remote write usage errors', () => {
  it('name the --remote-write* flag that was wrong', () => {
    const cases: Array<[string[], string]> = [
      [['--remote-write-shards', '4', '--remote-write-buffer', '2'], '--remote-write-buffer'],
      [['--remote-write-label', 'le=x'], '--remote-write-label'],
      [['--remote-write-label', 'bad-name=x'], '--remote-write-label'],
    ];
    const wrong: string[] = [];
    for (const [args, flag] of cases) {
      try {
        parseAgentArgs(['--no-stream', '--remote-write', 'http://127.0.0.1:9/api/v1/write', ...args], {});
        wrong.push(`${args.join(' ')}: accepted`);
      } catch (err) {
        assert.ok(err instanceof UsageError, String(err));
        if (!err.message.includes(flag)) wrong.push(`${args.join(' ')} → ${err.message}`);
      }
    }
    assert.deepEqual(wrong, [], 'each message names the library option ("maxPendingSamples") or "default labels", not the flag');
  });
});
