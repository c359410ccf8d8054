import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import client from 'prom-client';
import { MeterkitError, Registry } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';
import { renderVars } from '../../src/json/index.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';
import { needs } from '../helpers/tools.js';

const DEFAULTS = { app: 'shop', method: 'DEFAULT', zone: 'eu"1' };

/** The same operations on a meterkit registry and on real prom-client. */
async function both(): Promise<{ ours: Registry; theirs: string }> {
  const ours = new Registry();
  ours.setDefaultLabels(DEFAULTS);
  ours.counter('req_total', { method: 'GET', code: '200' }).increment();
  ours.counter('req_total', { method: '', code: '500' }).increment();
  ours.gauge('temp').set(3);
  ours.setHistogramOptions('lat', { buckets: [1] });
  ours.histogram('lat', { method: 'GET' }).record(0.5);

  const r = new client.Registry();
  r.setDefaultLabels(DEFAULTS);
  const c = new client.Counter({ name: 'req_total', help: 'h', labelNames: ['method', 'code'], registers: [r] });
  c.inc({ method: 'GET', code: '200' });
  c.inc({ method: '', code: '500' });
  new client.Gauge({ name: 'temp', help: 'h', registers: [r] }).set(3);
  new client.Histogram({ name: 'lat', help: 'h', labelNames: ['method'], buckets: [1], registers: [r] }).observe({ method: 'GET' }, 0.5);
  return { ours, theirs: await r.metrics() };
}

const samples = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

/** A sample line with its labels sorted, to compare label sets whatever their order. */
function sortedLabels(line: string): string {
  const m = /^([^{ ]+)(?:\{(.*)\})? (.*)$/.exec(line);
  if (m === null) return line;
  const labels = (m[2] ?? '').match(/[a-zA-Z_]+="(?:[^"\\]|\\.)*"/g) ?? [];
  return `${m[1] as string}{${labels.sort().join(',')}} ${m[3] as string}`;
}

describe('default labels', () => {
  it("counters and gauges: exactly prom-client's lines (own labels first, then the defaults they lack, own values win)", async () => {
    const { ours, theirs } = await both();
    const mine = samples(render(ours));
    const ref = samples(theirs);
    for (const line of ref.filter((l) => l.startsWith('req_total') || l.startsWith('temp'))) assert.ok(mine.includes(line), `missing ${line} in\n${mine.join('\n')}`);
    assert.ok(mine.includes('req_total{method="",code="500",app="shop",zone="eu\\"1"} 1'));
    assert.ok(mine.includes('temp{app="shop",method="DEFAULT",zone="eu\\"1"} 3'));
  });

  it("histograms: prom-client's label sets; buckets keep `le` last", async () => {
    const { ours, theirs } = await both();
    const mine = samples(render(ours)).filter((l) => l.startsWith('lat'));
    const ref = samples(theirs).filter((l) => l.startsWith('lat'));
    assert.deepEqual(mine.map(sortedLabels), ref.map(sortedLabels));
    assert.ok(mine.includes('lat_bucket{method="GET",app="shop",zone="eu\\"1",le="1"} 1'));
    assert.ok(mine.includes('lat_sum{method="GET",app="shop",zone="eu\\"1"} 0.5'));
  });

  it('summaries, info metrics and the overflow series get them too; text passes promtool', needs('promtool'), async () => {
    const reg = new Registry({ cardinalityLimit: 1 });
    reg.setDefaultLabels({ app: 'shop' });
    reg.setHistogramOptions('rpc', { buckets: [], quantiles: true, reportedQuantiles: [0.5] });
    reg.histogram('rpc').record(2);
    reg.info('build_info', { version: '1' });
    reg.counter('hits_total', { path: '/a' }).increment();
    reg.counter('hits_total', { path: '/b' }).increment(); // overflow
    const text = render(reg);
    assert.match(text, /^rpc\{app="shop",quantile="0.5"\} 2$/m);
    assert.match(text, /^rpc_count\{app="shop"\} 1$/m);
    assert.match(text, /^build_info\{version="1",app="shop"\} 1$/m);
    assert.match(text, /^hits_total\{meterkit_overflow="true",app="shop"\} 1$/m);
    await promtoolCheck(text);
  });

  it('OpenMetrics output carries them and parses (python OpenMetrics parser)', needs('openmetrics'), async () => {
    const { ours } = await both();
    const text = render(ours, { format: 'openmetrics', created: true });
    assert.match(text, /^req_created\{method="GET",code="200",app="shop",zone="eu\\"1"\} /m);
    const fams = await parseOpenMetrics(text);
    const temp = fams.find((f) => f.name === 'temp');
    assert.deepEqual(temp?.samples[0]?.labels, DEFAULTS);
    const lat = fams.find((f) => f.name === 'lat');
    assert.deepEqual(lat?.samples[0]?.labels, { method: 'GET', app: 'shop', zone: 'eu"1', le: '1.0' });
  });

  it('the JSON view extends each key with the default values the series lacks', () => {
    const reg = new Registry();
    reg.setDefaultLabels({ app: 'shop', method: 'DEFAULT' });
    reg.counter('req_total', { method: 'GET' }).increment(2);
    reg.gauge('temp').set(3);
    const doc = JSON.parse(renderVars(reg, { cmdline: [] })) as Record<string, unknown>;
    assert.deepEqual(doc['req_total'], { 'GET|shop': 2 });
    assert.deepEqual(doc['temp'], { 'shop|DEFAULT': 3 });
  });

  it('setDefaultLabels replaces the set, {} clears it; names are checked', () => {
    const reg = new Registry();
    reg.gauge('temp').set(1);
    reg.setDefaultLabels({ a: '1', b: '2' });
    reg.setDefaultLabels({ b: '3' });
    assert.deepEqual(reg.defaultLabels(), { b: '3' });
    assert.match(render(reg), /^temp\{b="3"\} 1$/m);
    const copy = reg.defaultLabels();
    copy['b'] = 'changed';
    assert.deepEqual(reg.defaultLabels(), { b: '3' }, 'defaultLabels() returns a copy');
    reg.setDefaultLabels({});
    assert.deepEqual(reg.defaultLabels(), {});
    assert.match(render(reg), /^temp 1$/m);
    const code = (c: string) => (err: unknown) => err instanceof MeterkitError && err.code === c;
    assert.throws(() => reg.setDefaultLabels({ 'bad-name': 'x' }), code('ERR_METERKIT_INVALID_LABEL_NAME'));
    assert.throws(() => reg.setDefaultLabels({ __x: 'x' }), code('ERR_METERKIT_INVALID_LABEL_NAME'));
    assert.throws(() => reg.setDefaultLabels({ le: 'x' }), code('ERR_METERKIT_INVALID_LABEL_NAME'));
    assert.throws(() => reg.setDefaultLabels({ a: 1 as unknown as string }), code('ERR_METERKIT_INVALID_LABEL_VALUE'));
    assert.throws(() => reg.setDefaultLabels([['a', 'x'], ['a', 'y']]), code('ERR_METERKIT_DUPLICATE_LABEL'));
    assert.deepEqual(reg.defaultLabels(), {}, 'a refused set leaves the old one');
  });
});
