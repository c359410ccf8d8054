/**
 * #8 §2: counters and histograms took no exemplar, though prom-client users rely on them. They
 * now take one, rendered in OpenMetrics as its spec says (checked with the OpenMetrics parser).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DebuggingRecorder, Registry } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';
import { needs } from '../helpers/tools.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';

function withExemplars(): Registry {
  const reg = new Registry({ onError: () => undefined });
  reg.setHistogramOptions('rpc_seconds', { buckets: [0.1, 1] });
  const c = reg.counter('hits_total', { path: '/a' });
  c.increment(1, { labels: { trace_id: 'aaa' }, timestamp: 1_700_000_000_500 });
  c.increment(2, { labels: { trace_id: 'bbb', span_id: 'x"y' }, timestamp: 1_700_000_001_250 });
  const h = reg.histogram('rpc_seconds');
  h.record(0.05, { labels: { trace_id: 'fast' }, timestamp: 1_700_000_000_000 });
  h.record(0.5);
  h.record(7, { labels: { trace_id: 'slow' }, value: 7.5, timestamp: 1_700_000_002_000 });
  return reg;
}

describe('exemplars', () => {
  it('render in OpenMetrics after their sample: the latest per counter, per histogram bucket', () => {
    const text = render(withExemplars(), { format: 'openmetrics' });
    assert.ok(text.includes('hits_total{path="/a"} 3 # {trace_id="bbb",span_id="x\\"y"} 2 1700000001.25\n'), text);
    assert.ok(text.includes('rpc_seconds_bucket{le="0.1"} 1 # {trace_id="fast"} 0.05 1700000000\n'));
    assert.ok(text.includes('rpc_seconds_bucket{le="1.0"} 2\n'));
    assert.ok(text.includes('rpc_seconds_bucket{le="+Inf"} 3 # {trace_id="slow"} 7.5 1700000002\n'));
  });

  it('never appear in text 0.0.4, which has no syntax for them', { ...needs('promtool') }, async () => {
    const text = render(withExemplars());
    assert.ok(!text.includes('#  {') && !text.includes('trace_id'));
    await promtoolCheck(text);
  });

  it('are read back by the OpenMetrics parser', { ...needs('openmetrics') }, async () => {
    const fams = await parseOpenMetrics(render(withExemplars(), { format: 'openmetrics' }));
    const hits = fams.find((f) => f.name === 'hits')?.samples.find((s) => s.name === 'hits_total');
    assert.deepEqual(hits?.exemplar, { labels: { trace_id: 'bbb', span_id: 'x"y' }, value: 2, timestamp: 1700000001.25 });
    const inf = fams.find((f) => f.name === 'rpc_seconds')?.samples.find((s) => s.labels.le === '+Inf');
    assert.equal(inf?.exemplar?.labels.trace_id, 'slow');
  });

  it('a bad exemplar is dropped and counted; the update is kept', () => {
    const errors: string[] = [];
    const reg = new Registry({ onError: (e) => errors.push(e.message) });
    const c = reg.counter('e_total');
    c.increment(1, { labels: { trace_id: 'x'.repeat(200) } });
    c.increment(1, { labels: { 'bad-name': 'v' } });
    c.increment(1, { labels: { ok: 5 as unknown as string } });
    c.increment(1, 'trace' as never);
    assert.equal(reg.view(c).value, 4);
    assert.equal(reg.view(c).exemplar, null);
    assert.equal(reg.view(reg.counter('meterkit_invalid_updates_total', { metric: 'e_total', reason: 'bad_exemplar' })).value, 4);
    assert.match(errors[0] ?? '', /at most 128/);
  });

  it('defaults: the increment or observation as value, now as timestamp; the DebuggingRecorder keeps them', () => {
    const reg = new Registry({ now: () => 1_800_000_000_000 });
    const c = reg.counter('d_total');
    c.increment(4, { labels: { trace_id: 't' } });
    assert.deepEqual(reg.view(c).exemplar, { labels: ['trace_id', 't'], value: 4, timestamp: 1_800_000_000_000 });
    const dbg = new DebuggingRecorder();
    dbg.registerHistogram('h').record(3, { labels: { trace_id: 'u' }, timestamp: 5 });
    assert.deepEqual(dbg.snapshotter().snapshot().get('histogram', 'h')?.exemplars, [{ labels: ['trace_id', 'u'], value: 3, timestamp: 5 }]);
  });
});
