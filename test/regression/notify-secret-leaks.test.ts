/**
 * Regression (review of #12): DESIGN.md "secrets never appear in /debug/vars, logs or error
 * messages"; README: "A bad spec exits 2 naming the flag, the endpoint and the value, never a
 * secret", and /debug/vars shows "no URL password".
 * - parseNotifySpec's usage errors quote the raw URL, password included;
 * - resolveEndpointConfig's error for a URL that does not parse (a bad port, a space) quotes
 *   it whole, password included (the scheme check right after it uses publicUrl; this one not);
 * - redactNotifySpec stops at the first '@', so a password holding '@' (valid: WHATWG URL
 *   keeps it as %40) is shown in part in the published command line.
 * They failed before the fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNotifySpec, redactNotifySpec } from '../../src/cli/notify.js';
import { resolveEndpointConfig } from '../../src/notify/index.js';

describe('notify: URL passwords in --notify specs', () => {
  it('a usage error about a spec never shows the URL password', () => {
    for (const spec of ['http://ops:hunter2@127.0.0.1:8088/hook,bogus=1', 'http://ops:hunter2@127.0.0.1:8088/hook,name']) {
      assert.throws(
        () => parseNotifySpec(spec, {}),
        (err: Error) => {
          assert.ok(!err.message.includes('hunter2'), `the message shows the password: ${err.message}`);
          return true;
        },
      );
    }
  });

  it('the published command line hides the whole password, even one holding "@"', () => {
    // accepted as a spec: the URL parser reads the password p@ss-word (the last @ ends it)
    assert.equal(new URL('http://ops:p@ss-word@127.0.0.1:8088/hook').password, 'p%40ss-word');
    const shown = redactNotifySpec('http://ops:p@ss-word@127.0.0.1:8088/hook,name=ops');
    assert.ok(!shown.includes('ss-word'), `part of the password is shown: ${shown}`);
  });

  it('the library\'s error for a URL that does not parse never shows its password', () => {
    for (const url of ['http://ops:hunter2@127.0.0.1:99999/hook', 'http://ops:hunter2@exa mple.com/']) {
      assert.throws(
        () => resolveEndpointConfig({ name: 'a', url }),
        (err: Error) => {
          assert.ok(!err.message.includes('hunter2'), `the message shows the password: ${err.message}`);
          return true;
        },
      );
    }
  });
});
