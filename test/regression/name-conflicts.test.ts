/**
 * #8 §2: counters `jobs` and `jobs_total` (or counter `reqs` + gauge `reqs_total`) wrote two
 * `# TYPE` lines for the same name and promtool rejected the scrape. Families are now keyed by
 * the names they expose; a conflicting registration throws a coded error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeterkitError, Registry } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';
import { needs } from '../helpers/tools.js';
import { promtoolCheck } from '../helpers/validate.js';

function conflict(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof MeterkitError && e.code === 'ERR_METERKIT_NAME_CONFLICT' && re.test(e.message));
}

describe('regression: two families, one exposed name', () => {
  it('refuses the second registration with a coded error naming both', { ...needs('promtool') }, async () => {
    const reg = new Registry();
    reg.counter('jobs').increment();
    conflict(() => reg.counter('jobs_total'), /"jobs_total" \(counter\).*counter "jobs"/);
    reg.counter('reqs').increment();
    conflict(() => reg.gauge('reqs_total'), /gauge.*counter "reqs"/);
    reg.histogram('lat');
    conflict(() => reg.gauge('lat_bucket'), /histogram "lat"/);
    conflict(() => reg.counter('lat_count'), /histogram "lat"/);
    conflict(() => reg.describeGauge('jobs_created'), /counter "jobs"/);
    await promtoolCheck(render(reg));
  });

  it('still allows names that only look alike', () => {
    const reg = new Registry();
    reg.counter('a_total').increment();
    reg.gauge('a_totals').set(1);
    reg.histogram('b');
    reg.gauge('b_buckets').set(1);
    assert.equal(reg.view(reg.counter('a_total')).value, 1);
  });
});
