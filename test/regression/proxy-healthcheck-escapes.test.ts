/**
 * Issue #10: `--healthcheck` specs hid every `\,` behind a NUL before splitting at commas, and
 * decoded `\\` only afterwards. So a value ending in a backslash (`send=a\\,expect=b`: send is
 * `a\`) swallowed the comma after it and the next key with it, and a refused spec was named in
 * the error with the NUL in place of the user's `\,`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHealthSpec } from '../../src/proxy/index.js';

describe('regression: health check specs read escapes from the left, once', () => {
  it('a value ending in an escaped backslash ends at the comma after it', () => {
    const p = parseHealthSpec('probe,send=C:\\\\,expect=OK');
    assert.ok(p.kind === 'probe');
    assert.equal(p.send, 'C:\\');
    assert.equal(p.expect, 'OK');
  });

  it('an escaped comma still stays in its value', () => {
    const p = parseHealthSpec('probe,send=a\\,b,expect=/x\\,y/');
    assert.ok(p.kind === 'probe' && p.expect instanceof RegExp);
    assert.equal(p.send, 'a,b');
    assert.equal(p.expect.source, 'x,y');
  });

  it('a refused spec is named as it was given', () => {
    const spec = 'probe,send=a\\,b,nope=1';
    assert.throws(() => parseHealthSpec(spec), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: `invalid health check ${JSON.stringify(spec)}: "nope=1" is not one of interval=…, timeout=…, fails=…, passes=…, send=…, expect=…, command=…` });
  });
});
