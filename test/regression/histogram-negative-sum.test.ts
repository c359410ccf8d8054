/**
 * Histograms accept negative observations, but OpenMetrics says a histogram's Sum is a counter
 * ("MUST NOT be NaN or negative"), and one with negative bucket thresholds "MUST NOT contain a
 * sum value". The OpenMetrics output exposed `_sum` anyway: negative (the python reference
 * parser rejects the whole exposition), or positive but able to go down (a false counter
 * reset for rate()). Now such a histogram's OpenMetrics point has its buckets only (`_sum` and
 * `_count`, which parsers take as a pair, are left out); the Prometheus text format keeps both.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';
import { needs } from '../helpers/tools.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';

function registry(): Registry {
  const reg = new Registry();
  reg.setHistogramOptions('temp_delta', { buckets: [1, 10] });
  reg.setHistogramOptions('offset', { buckets: [-1, 0, 1] });
  reg.histogram('temp_delta', { room: 'sum_negative' }).record(-5);
  reg.histogram('temp_delta', { room: 'sum_negative' }).record(1);
  // the sum is 9, not negative, but it went down once: no counter
  reg.histogram('temp_delta', { room: 'went_down' }).record(10);
  reg.histogram('temp_delta', { room: 'went_down' }).record(-1);
  reg.histogram('temp_delta', { room: 'positive' }).record(2);
  // negative thresholds: no sum even with positive observations only
  reg.histogram('offset').record(0.5);
  return reg;
}

const samplesOf = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(name));

describe('regression: OpenMetrics histograms with negative observations or thresholds have no _sum', () => {
  it('the python OpenMetrics parser accepts the exposition', needs('openmetrics'), async () => {
    const fams = await parseOpenMetrics(render(registry(), { format: 'openmetrics' }));
    const names = (fam: string, room?: string): string[] =>
      (fams.find((f) => f.name === fam)?.samples ?? []).filter((s) => room === undefined || s.labels.room === room).map((s) => s.name);
    for (const room of ['sum_negative', 'went_down']) {
      assert.ok(!names('temp_delta', room).includes('temp_delta_sum'), `${room}: _sum exposed`);
      assert.ok(!names('temp_delta', room).includes('temp_delta_count'), `${room}: _count without its _sum`);
      assert.ok(names('temp_delta', room).includes('temp_delta_bucket'));
    }
    assert.deepEqual([...new Set(names('temp_delta', 'positive'))], ['temp_delta_bucket', 'temp_delta_sum', 'temp_delta_count'], 'a histogram of positive observations keeps them');
    assert.ok(!names('offset').includes('offset_sum'), 'negative thresholds: _sum exposed');
  });

  it('the +Inf bucket still counts every observation', () => {
    const om = render(registry(), { format: 'openmetrics' });
    assert.match(om, /^temp_delta_bucket\{room="went_down",le="\+Inf"\} 2$/m);
    assert.deepEqual(samplesOf(om, 'temp_delta_sum{room="went_down"}'), []);
  });

  it('the Prometheus text format keeps _sum and _count, as client_golang does', () => {
    const text = render(registry());
    assert.match(text, /^temp_delta_sum\{room="sum_negative"\} -4$/m);
    assert.match(text, /^temp_delta_count\{room="went_down"\} 2$/m);
  });

  it('promtool accepts the Prometheus text', needs('promtool'), async () => {
    await promtoolCheck(render(registry()));
  });
});
