/*
 * #13: meterkit/prom-client's worker source re-tells every metric's aggregator before each
 * snapshot (src/prom-client/cluster.ts collect()), and ModeRules.set appended a rule each time:
 * the rule list (and the time of every lookup) grew with every scrape, forever.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModeRules } from '../../src/cluster/protocol.js';

describe('ModeRules', () => {
  it('keeps one rule per name or pattern, the latest winning', () => {
    const rules = new ModeRules();
    for (let i = 0; i < 1000; i++) {
      rules.set('jobs_total', i % 2 === 0 ? 'max' : 'min');
      rules.set(/^http_/, 'average');
    }
    assert.equal(rules.size, 2);
    assert.equal(rules.get('jobs_total'), 'min');
    assert.equal(rules.get('http_x'), 'average');
    rules.set('jobs_*', 'first');
    rules.set(/^http_/i, 'max');
    assert.equal(rules.size, 4);
    assert.equal(rules.get('jobs_total'), 'min');
    assert.equal(rules.get('jobs_other'), 'first');
    assert.equal(rules.get('HTTP_x'), 'max');
  });
});
