import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry, Unit } from '../../src/index.js';
import {
  escapeHelp,
  escapeLabelValue,
  formatBound,
  formatValue,
  negotiateFormat,
  render,
  renderChunks,
} from '../../src/prometheus/index.js';
import { needs } from '../helpers/tools.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';

const NASTY = 'a"b\\c\nd ünïcødé ☃ 🚀 \\n';

/** A registry with every awkward case the formats have. */
function awkward(now = 1_700_000_000_000): Registry {
  const r = new Registry({ now: () => now, onError: () => undefined }); // the NaN/Inf sets below are dropped on purpose
  r.describeCounter('http_requests_total', Unit.Count, 'Requests "served" \\ with\nnewline and ünï');
  r.counter('http_requests_total', { method: 'GET', path: NASTY }).increment(3);
  r.counter('http_requests_total', { method: 'POST', path: '/' }).increment(1.5);
  r.describeCounter('jobs', undefined, 'A counter registered without _total');
  r.counter('jobs').increment(2);
  r.describeGauge('temperature_celsius', undefined, 'NaN and infinities');
  r.gauge('temperature_celsius', { probe: 'nan' }).set(NaN);
  r.gauge('temperature_celsius', { probe: 'inf' }).set(Infinity);
  r.gauge('temperature_celsius', { probe: 'neginf' }).set(-Infinity);
  r.gauge('temperature_celsius', { probe: 'tiny' }).set(1e-12);
  r.describeHistogram('request_duration_seconds', Unit.Seconds, 'Latency');
  r.histogram('request_duration_seconds', { route: '/a' }).record(0.3);
  r.histogram('request_duration_seconds', { route: '/a' }).record(7);
  r.describeHistogram('empty_duration_seconds', Unit.Seconds, 'A histogram that saw nothing');
  r.histogram('empty_duration_seconds');
  r.setHistogramOptions('rpc_latency_seconds', { buckets: [], quantiles: true });
  r.describeHistogram('rpc_latency_seconds', Unit.Seconds, 'A summary');
  r.histogram('rpc_latency_seconds', { rpc: 'empty' });
  for (let i = 1; i <= 100; i++) r.histogram('rpc_latency_seconds', { rpc: 'get' }).record(i / 100);
  r.describeGauge('described_only_bytes', Unit.Bytes, 'No series yet');
  return r;
}

describe('formatting', () => {
  it('spells numbers and bounds', () => {
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(0.1), '0.1');
    assert.equal(formatValue(-0), '0');
    assert.equal(formatBound(1, 'openmetrics'), '1.0');
    assert.equal(formatBound(1, 'prometheus'), '1');
    assert.equal(formatBound(0.25, 'openmetrics'), '0.25');
    assert.equal(formatBound(1e21, 'openmetrics'), '1e+21');
    assert.equal(formatBound(Infinity, 'openmetrics'), '+Inf');
  });

  it('escapes label values and HELP per format', () => {
    assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    assert.equal(escapeLabelValue('plain ☃'), 'plain ☃');
    assert.equal(escapeHelp('a"b\\c\nd', 'prometheus'), 'a"b\\\\c\\nd');
    assert.equal(escapeHelp('a"b\\c\nd', 'openmetrics'), 'a\\"b\\\\c\\nd');
  });

  it('negotiates the format from Accept', () => {
    assert.equal(negotiateFormat(undefined), 'prometheus');
    assert.equal(negotiateFormat('text/plain'), 'prometheus');
    assert.equal(negotiateFormat('application/openmetrics-text; version=1.0.0'), 'openmetrics');
    // what Prometheus 2.x sends
    assert.equal(
      negotiateFormat('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'),
      'openmetrics',
    );
    assert.equal(negotiateFormat('text/plain;q=1, application/openmetrics-text;q=0.5'), 'prometheus');
    assert.equal(negotiateFormat('application/openmetrics-text;q=0'), 'prometheus');
    assert.equal(negotiateFormat('*/*'), 'prometheus');
  });
});

describe('render: text format 0.0.4', () => {
  it('writes the expected lines', () => {
    const text = render(awkward());
    assert.match(text, /^# TYPE http_requests_total counter\n# HELP http_requests_total Requests "served" \\\\ with\\nnewline and ünï\n/m);
    assert.ok(text.includes('http_requests_total{method="GET",path="a\\"b\\\\c\\nd ünïcødé ☃ 🚀 \\\\n"} 3\n'));
    assert.ok(text.includes('http_requests_total{method="POST",path="/"} 1.5\n'));
    assert.ok(text.includes('# TYPE jobs_total counter\njobs_total 2\n'.replace('counter\n', 'counter\n# HELP jobs_total A counter registered without _total\n')));
    // a gauge never stores NaN or an infinity: those sets were dropped (and counted)
    assert.ok(text.includes('temperature_celsius{probe="nan"} 0\n'));
    assert.ok(text.includes('temperature_celsius{probe="inf"} 0\n'));
    assert.ok(text.includes('meterkit_invalid_updates_total{metric="temperature_celsius",reason="infinite"} 2\n'));
    assert.ok(text.includes('temperature_celsius{probe="tiny"} 1e-12\n'));
    assert.ok(text.includes('request_duration_seconds_bucket{route="/a",le="0.25"} 0\nrequest_duration_seconds_bucket{route="/a",le="0.5"} 1\n'));
    assert.ok(text.includes('request_duration_seconds_bucket{route="/a",le="10"} 2\nrequest_duration_seconds_bucket{route="/a",le="+Inf"} 2\n'));
    assert.ok(text.includes('request_duration_seconds_sum{route="/a"} 7.3\nrequest_duration_seconds_count{route="/a"} 2\n'));
    assert.ok(text.includes('empty_duration_seconds_bucket{le="+Inf"} 0\nempty_duration_seconds_sum 0\nempty_duration_seconds_count 0\n'));
    assert.ok(text.includes('# TYPE rpc_latency_seconds summary\n'));
    assert.ok(text.includes('rpc_latency_seconds{rpc="empty",quantile="0.5"} NaN\n'));
    assert.match(text, /rpc_latency_seconds\{rpc="get",quantile="0.99"\} 0\.9\d+\n/);
    assert.ok(text.includes('rpc_latency_seconds_count{rpc="get"} 100\n'));
    assert.ok(text.includes('# TYPE described_only_bytes gauge\n# HELP described_only_bytes No series yet\n'));
    assert.ok(!text.includes('_created'));
    assert.ok(!text.includes('# EOF'));
    assert.ok(!text.includes('# UNIT'));
    // families sorted by name
    const types = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1] as string);
    assert.deepEqual(types, [...types].sort());
  });

  it('is accepted by promtool, with no lint remarks when every family has help', { ...needs('promtool') }, async () => {
    const remarks = await promtoolCheck(render(awkward()));
    assert.deepEqual(remarks, []);
  });

  it('promtool rejects broken text (the check can fail)', { ...needs('promtool') }, async () => {
    await assert.rejects(promtoolCheck('broken{a="b} 1\n'), /promtool/);
  });
});

describe('render: OpenMetrics 1.0', () => {
  it('writes base names, _total/_created samples, UNIT, canonical bounds and # EOF', () => {
    const text = render(awkward(), { format: 'openmetrics', created: true });
    assert.ok(text.endsWith('# EOF\n'));
    assert.ok(text.includes('# TYPE http_requests counter\n# HELP http_requests Requests \\"served\\" \\\\ with\\nnewline and ünï\n'));
    assert.ok(text.includes('http_requests_created{method="POST",path="/"} 1700000000\n'));
    assert.ok(text.includes('# TYPE jobs counter\n'));
    assert.ok(text.includes('jobs_total 2\njobs_created 1700000000\n'));
    assert.ok(text.includes('# TYPE request_duration_seconds histogram\n# UNIT request_duration_seconds seconds\n'));
    assert.ok(text.includes('le="1.0"} 1\n'));
    assert.ok(text.includes('le="10.0"} 2\n'));
    assert.ok(text.includes('request_duration_seconds_created{route="/a"} 1700000000\n'));
    assert.ok(text.includes('rpc_latency_seconds{rpc="empty",quantile="0.999"} NaN\n'));
    assert.ok(text.includes('# UNIT described_only_bytes bytes\n'));
    assert.ok(!text.includes('# UNIT temperature_celsius'), 'no unit set');
  });

  it('writes _created samples only when asked to', () => {
    const text = render(awkward(), { format: 'openmetrics' });
    assert.ok(text.includes('jobs_total 2\n'));
    assert.ok(!text.includes('_created'));
  });

  it('is accepted by the python-prometheus-client OpenMetrics parser, values intact', { ...needs('openmetrics') }, async () => {
    const fams = await parseOpenMetrics(render(awkward(), { format: 'openmetrics', created: true }));
    const byName = new Map(fams.map((f) => [f.name, f]));
    const req = byName.get('http_requests');
    assert.equal(req?.type, 'counter');
    assert.equal(req?.help, 'Requests "served" \\ with\nnewline and ünï');
    const get = req?.samples.find((s) => s.name === 'http_requests_total' && s.labels.method === 'GET');
    assert.equal(get?.labels.path, NASTY);
    assert.equal(get?.value, 3);
    assert.equal(byName.get('jobs')?.samples[0]?.value, 2);
    const temps = byName.get('temperature_celsius')?.samples.map((s) => s.value);
    assert.deepEqual(temps, [0, 0, 0, 1e-12]);
    const h = byName.get('request_duration_seconds');
    assert.equal(h?.unit, 'seconds');
    assert.equal(h?.samples.find((s) => s.name.endsWith('_count'))?.value, 2);
    const empty = byName.get('empty_duration_seconds');
    assert.equal(empty?.type, 'histogram');
    assert.equal(empty?.samples.find((s) => s.labels.le === '+Inf')?.value, 0);
    const summ = byName.get('rpc_latency_seconds');
    assert.equal(summ?.type, 'summary');
    assert.equal(summ?.samples.find((s) => s.labels.rpc === 'empty' && s.labels.quantile === '0.5')?.value, 'NaN');
    assert.equal(byName.get('described_only_bytes')?.samples.length, 0);
  });

  it('the parser rejects broken text (the check can fail)', { ...needs('openmetrics') }, async () => {
    await assert.rejects(parseOpenMetrics('# TYPE a counter\na_total 1\n'), /EOF/);
  });
});

describe('renderChunks', () => {
  it('produces exactly what render does, in slices', async () => {
    const r = awkward();
    for (let i = 0; i < 5000; i++) r.counter('bulk_total', { a: String(i % 50), b: String(i) }).increment(i);
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const chunks: string[] = [];
      for await (const c of renderChunks(r, { format, sliceSize: 333 })) chunks.push(c);
      assert.ok(chunks.length > 10, `${chunks.length} chunks`);
      assert.equal(chunks.join(''), render(r, { format }));
    }
  });

  it('copes with series added and removed while it runs', async () => {
    const r = new Registry();
    for (let i = 0; i < 1000; i++) r.gauge('moving', { i: String(i) }).set(i);
    let text = '';
    let n = 0;
    for await (const c of renderChunks(r, { sliceSize: 100 })) {
      text += c;
      r.remove('moving', { i: String(999 - n) });
      r.gauge('moving', { i: `new${n++}` }).set(1);
    }
    const lines = text.split('\n').filter((l) => l.startsWith('moving{'));
    assert.equal(new Set(lines).size, lines.length, 'no series twice');
    assert.ok(lines.length >= 900 && lines.length <= 1010, `${lines.length}`);
  });
});
