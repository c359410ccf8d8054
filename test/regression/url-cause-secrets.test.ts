/**
 * A URL that does not parse was refused with the parser's TypeError as the `cause`, and that
 * error keeps the raw text in its `input` property: whoever logs the error with its cause
 * (util.inspect, a logger that walks `cause`) printed the password or query token that the
 * message itself hid. The NATS URL, monitor URL and notify endpoint URL checks now keep only
 * the parser's message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { parseNatsServers } from '../../src/core/nats-url.js';
import { checkMonitorUrl } from '../../src/monitor/http-sender.js';
import { resolveEndpointConfig } from '../../src/notify/index.js';

const SECRET = 'S3cretPw';

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return inspect(err, { depth: 5 });
  }
  assert.fail('it did not throw');
}

describe('a refused URL never keeps its secret in the error (cause included)', () => {
  it('NATS, monitor and notify endpoint URLs that do not parse', () => {
    const cases = [
      () => parseNatsServers(`nats://user:${SECRET}@127.0.0.1:99999`),
      () => checkMonitorUrl(`http://user:${SECRET}@127.0.0.1:99999/x?token=${SECRET}`),
      () => resolveEndpointConfig({ name: 'hook', url: `http://127.0.0.1:99999/hook?token=${SECRET}` }),
    ];
    for (const fn of cases) {
      const text = thrown(fn);
      assert.match(text, /ERR_METERKIT_INVALID_ARGUMENT/);
      assert.ok(!text.includes(SECRET), text);
    }
  });

  it('a NATS URL that does not parse hides its query values as well', () => {
    const text = thrown(() => parseNatsServers(`nats://127.0.0.1:99999?token=${SECRET}`));
    assert.ok(!text.includes(SECRET), text);
    assert.match(text, /token=\*\*\*/);
  });
});
