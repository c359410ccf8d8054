import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS, parseDuration, parseWhole } from '../../src/core/options.js';

const refuses = (fn: () => unknown, msg: RegExp): void =>
  assert.throws(fn, (err: unknown) => (err as { code?: string }).code === 'ERR_METERKIT_INVALID_ARGUMENT' && msg.test((err as Error).message));

describe('core/options: the one rule for numbers and durations', () => {
  it('parses durations in ms or with a unit', () => {
    assert.equal(parseDuration('d', '1500'), 1500);
    assert.equal(parseDuration('d', '1500ms'), 1500);
    assert.equal(parseDuration('d', '2s'), 2000);
    assert.equal(parseDuration('d', '5m'), 300_000);
    assert.equal(parseDuration('d', '1h'), 3_600_000);
  });
  it('refuses fractions, signs, spaces, unknown units and overflow, naming the text', () => {
    for (const t of ['1.5s', '-1s', ' 2s', '2 s', '2sec', 's', '', '02s', '1e3', '0x10']) refuses(() => parseDuration('interval', t), new RegExp(`invalid interval ${JSON.stringify(t).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    refuses(() => parseDuration('interval', '0s'), /invalid interval 0: a duration must be/);
    refuses(() => parseDuration('interval', '600h'), new RegExp(`from 1 to ${MAX_TIMER_MS}`));
  });
  it('whole numbers take decimal digits only', () => {
    assert.equal(parseWhole('n', '42'), 42);
    refuses(() => parseWhole('n', '4.0'), /invalid n "4.0"/);
  });
});
