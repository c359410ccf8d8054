/**
 * Review of the Reporter (#11 item 6, reporting side): close() against a receiver that never
 * answers. Fails on the code as reviewed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reporter } from '../../src/monitor/reporter.js';

describe('Reporter.close() with a send that never settles', () => {
  it('resolves (bounded), instead of waiting forever for the send in flight', async () => {
    const errors: Error[] = [];
    const r = new Reporter({ peer: 'p1', send: () => new Promise<void>(() => undefined), interval: 1000, ttl: 3000, informers: [], onError: (e) => errors.push(e) });
    void r.report();
    let timer: NodeJS.Timeout | undefined;
    // a bound on the test, not a sleep: close() should not need more than the ttl
    const bound = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), 5000);
    });
    const outcome = await Promise.race([r.close().then(() => 'closed' as const), bound]);
    clearTimeout(timer);
    assert.equal(outcome, 'closed', 'close() still waits for a send that never settles (a DESIGN rule: everything long-lived closes)');
  });
});
