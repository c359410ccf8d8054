/**
 * Issue #8 §2: Prometheus 2.x negotiated OpenMetrics, so stored bucket labels became
 * `le="1.0"` where prom-client users have `le="1"`, and a `_created` series was ingested for
 * every counter and histogram. Like client_golang, OpenMetrics is served only with
 * `openMetrics: true`, and `_created` only with `created: true` besides.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { HttpServer } from '../../src/http/index.js';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, createMetricsHandler, negotiate } from '../../src/prometheus/index.js';
import { PROMETHEUS_2_ACCEPT, PROMETHEUS_3_ACCEPT, scrape } from '../helpers/scrape.js';
import { needs } from '../helpers/tools.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';

describe('regression: OpenMetrics and _created are opt-in', () => {
  const registry = new Registry();
  const server = new HttpServer({ port: 0 });
  let base = '';
  before(async () => {
    registry.setHistogramOptions('latency_seconds', { buckets: [0.5, 1, 2] });
    registry.histogram('latency_seconds', { route: '/a' }).record(0.7);
    registry.counter('jobs_total').increment(3);
    server.route('/default', createMetricsHandler(registry));
    server.route('/om', createMetricsHandler(registry, { openMetrics: true }));
    server.route('/om-created', createMetricsHandler(registry, { openMetrics: true, created: true }));
    await server.listen();
    base = server.url();
  });
  after(() => server.close());

  for (const [who, accept] of [
    ['Prometheus 2.x', PROMETHEUS_2_ACCEPT],
    ['Prometheus 3.x', PROMETHEUS_3_ACCEPT],
  ] as const) {
    it(`by default, ${who} gets text 0.0.4 with le="1" and no _created`, { ...needs('promtool') }, async () => {
      const r = await scrape(`${base}/default`, { Accept: accept });
      assert.equal(r.headers['content-type'], PROMETHEUS_CONTENT_TYPE);
      const text = r.body.toString();
      assert.match(text, /^latency_seconds_bucket\{route="\/a",le="1"\} 1$/m);
      assert.doesNotMatch(text, /_created/);
      assert.doesNotMatch(text, /# EOF/);
      await promtoolCheck(text);
    });
  }

  it('with openMetrics: true, Prometheus gets OpenMetrics 1.0 without _created', { ...needs('openmetrics') }, async () => {
    const r = await scrape(`${base}/om`, { Accept: PROMETHEUS_2_ACCEPT });
    assert.equal(r.headers['content-type'], OPENMETRICS_CONTENT_TYPE);
    const text = r.body.toString();
    assert.match(text, /le="1\.0"/);
    assert.doesNotMatch(text, /_created/);
    const fams = await parseOpenMetrics(text);
    assert.ok(fams.some((f) => f.name === 'jobs' && f.type === 'counter'));
    assert.equal((await scrape(`${base}/om`)).headers['content-type'], PROMETHEUS_CONTENT_TYPE, 'no Accept: text');
  });

  it('with created: true as well, OpenMetrics carries _created; text never does', { ...needs('openmetrics') }, async () => {
    const om = (await scrape(`${base}/om-created`, { Accept: PROMETHEUS_3_ACCEPT })).body.toString();
    assert.match(om, /^jobs_created \d+(\.\d+)?$/m);
    assert.match(om, /^latency_seconds_created\{route="\/a"\} /m);
    await parseOpenMetrics(om);
    const text = (await scrape(`${base}/om-created`, { Accept: 'text/plain' })).body.toString();
    assert.doesNotMatch(text, /_created/);
  });

  it('created without openMetrics, or a non-boolean option, is a coded error', () => {
    assert.throws(() => createMetricsHandler(registry, { created: true }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /created.*openMetrics/ });
    assert.throws(() => createMetricsHandler(registry, { openMetrics: 'yes' as never }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /openMetrics option "yes"/ });
    assert.throws(() => createMetricsHandler(registry, { sliceSize: 0 }), { code: 'ERR_METERKIT_INVALID_ARGUMENT' });
  });

  it('negotiates like client_golang (expfmt.NegotiateAccept) when OpenMetrics is offered', () => {
    const om1 = { format: 'openmetrics', contentType: OPENMETRICS_CONTENT_TYPE };
    const om0 = { format: 'openmetrics', contentType: 'application/openmetrics-text; version=0.0.1; charset=utf-8' };
    const text = { format: 'prometheus', contentType: PROMETHEUS_CONTENT_TYPE };
    assert.deepEqual(negotiate(PROMETHEUS_2_ACCEPT, true), om1);
    assert.deepEqual(negotiate(PROMETHEUS_3_ACCEPT, true), om1);
    // no version on OpenMetrics means 0.0.1; an unknown version names nothing
    assert.deepEqual(negotiate('application/openmetrics-text', true), om0);
    assert.deepEqual(negotiate('application/openmetrics-text;version=2.0.0', true), text);
    assert.deepEqual(negotiate('application/openmetrics-text;version=2.0.0,application/openmetrics-text;version=1.0.0;q=0.1', true), om1);
    // text/plain names text only without a version or with 0.0.4
    assert.deepEqual(negotiate('text/plain;version=1.0.0,application/openmetrics-text;version=1.0.0;q=0.5', true), om1);
    assert.deepEqual(negotiate('text/plain;version=0.0.4,application/openmetrics-text;version=1.0.0;q=0.5', true), text);
    // q-values order the clauses; on a tie the client's order stands
    assert.deepEqual(negotiate('text/plain;q=0.4,application/openmetrics-text;version=1.0.0;q=0.5', true), om1);
    assert.deepEqual(negotiate('text/plain,application/openmetrics-text;version=1.0.0', true), text);
    assert.deepEqual(negotiate('application/openmetrics-text;version=1.0.0,text/plain', true), om1);
    // wildcards name no format: the text fallback
    assert.deepEqual(negotiate('*/*', true), text);
    assert.deepEqual(negotiate('application/*', true), text);
    // q=0 is "not acceptable" (RFC 9110)
    assert.deepEqual(negotiate('application/openmetrics-text;version=1.0.0;q=0', true), text);
    // the escaping parameter changes nothing: every name is a legacy name already
    assert.deepEqual(negotiate('application/openmetrics-text;version=1.0.0;escaping=underscores', true), om1);
    assert.deepEqual(negotiate(undefined, true), text);
  });

  it('never offers OpenMetrics when it is not enabled', () => {
    const text = { format: 'prometheus', contentType: PROMETHEUS_CONTENT_TYPE };
    for (const accept of [PROMETHEUS_2_ACCEPT, PROMETHEUS_3_ACCEPT, 'application/openmetrics-text', 'application/openmetrics-text;version=1.0.0']) {
      assert.deepEqual(negotiate(accept, false), text, accept);
    }
  });
});
