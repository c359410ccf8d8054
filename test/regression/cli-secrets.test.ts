/**
 * Issue #8 §2: secrets can come from a file (--auth-token-file, --basic-auth-file) or the
 * environment, and never appear in error messages.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main, parseAgentArgs } from '../../src/cli/main.js';
import { tempDir } from '../helpers/tools.js';

describe('regression: secrets from files', () => {
  const tmp = tempDir('secrets');
  after(() => tmp.remove());
  const file = (name: string, text: string): string => {
    const p = join(tmp.dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads the token and the basic credentials from files, trimming the trailing newline', () => {
    const token = file('token', 's3cret-token\n');
    const basic = file('basic', 'prom:pa:ss\r\n');
    const config = parseAgentArgs(['--auth-token-file', token, '--basic-auth-file', basic], {});
    assert.notEqual(config, 'help');
    assert.deepEqual(config !== 'help' && config.auth, { token: 's3cret-token', basic: { username: 'prom', password: 'pa:ss' } });
    // a flag or file wins over the environment
    const fromEnv = parseAgentArgs(['--auth-token-file', token], { METERKIT_AUTH_TOKEN: 'env' });
    assert.equal(fromEnv !== 'help' && fromEnv.auth?.token, 's3cret-token');
  });

  it('names the file in errors, never the secret', async () => {
    const spaced = file('spaced', 'two words\n\n');
    const noColon = file('nocolon', 'just-a-password-here\n');
    const cases: Array<[string[], RegExp, string | undefined]> = [
      [['--auth-token-file', join(tmp.dir, 'missing')], /cannot read --auth-token-file ".*missing"/, undefined],
      [['--auth-token-file', file('empty', '\n')], /--auth-token-file ".*empty" is empty/, undefined],
      [['--auth-token-file', spaced], /whitespace/, 'two words'],
      [['--basic-auth-file', noColon], /use user:password/, 'just-a-password-here'],
      [['--basic-auth', 'hunter2-password'], /use user:password/, 'hunter2-password'],
      [['--auth-token', 'a', '--auth-token-file', spaced], /--auth-token and --auth-token-file contradict/, undefined],
    ];
    for (const [args, msg, secret] of cases) {
      let err = '';
      const code = await main(['agent', ...args], () => undefined, (s) => (err += s));
      assert.equal(code, 2, `${args.join(' ')}: ${err}`);
      assert.match(err, msg);
      if (secret !== undefined) assert.ok(!err.includes(secret), `the secret leaked: ${err}`);
    }
  });
});
