import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { renderVars } from '../../src/json/index.js';

describe('renderVars extra', () => {
  it('adds top-level variables in key order; one wins over a metric of its name; reserved keys stay', () => {
    const reg = new Registry();
    reg.registerCounter('notifications').increment(5);
    reg.registerCounter('zeta').increment(1);
    const doc = JSON.parse(renderVars(reg, { cmdline: ['x'], extra: () => ({ notifications: { endpoints: [] }, cmdline: 'ignored', alpha: 1 }) })) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['alpha', 'cmdline', 'memstats', 'notifications', 'zeta']);
    assert.deepEqual(doc.notifications, { endpoints: [] });
    assert.deepEqual(doc.cmdline, ['x']);
    assert.equal(doc.zeta, 1);
  });
});
