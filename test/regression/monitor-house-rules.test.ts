/**
 * Review of the peer monitor (#11) against DESIGN.md's house rules: errors are coded. Fails on
 * the code as reviewed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Monitor } from '../../src/monitor/index.js';

describe('monitor house rules: coded errors', () => {
  it('a second next() on an alerts() iterator before the first settles rejects with a coded MeterkitError', async () => {
    const mon = new Monitor({ onError: () => undefined });
    const it = mon.alerts();
    const first = it.next();
    await assert.rejects(it.next(), (err: Error & { code?: unknown }) => {
      assert.match(String(err.code), /^ERR_METERKIT_/, `uncoded error: ${err.message}`);
      return true;
    });
    await mon.close();
    assert.deepEqual(await first, { done: true, value: undefined });
  });
});
