import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry, Unit } from '../../src/index.js';
import { deleteGroup, groupUrl, push, startPushing } from '../../src/prometheus/index.js';
import { freePort, needs, requireTools, startProcess, waitFor } from '../helpers/tools.js';

describe('pushgateway (real prometheus-pushgateway)', { ...needs('pushgateway') }, () => {
  let url = '';
  let gw: ReturnType<typeof startProcess> | undefined;

  before(async () => {
    requireTools('pushgateway');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gw = startProcess('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${port}`]);
    await waitFor(async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), 20_000, `pushgateway on ${url}: ${gw.output()}`);
  });
  after(async () => {
    await gw?.stop();
  });

  async function scrapeGateway(): Promise<string> {
    return (await fetch(`${url}/metrics`)).text();
  }

  it('pushes a registry and reads the values back', async () => {
    const reg = new Registry();
    reg.describeCounter('batch_records_total', Unit.Count, 'Records processed');
    reg.counter('batch_records_total', { stage: 'load' }).increment(1234);
    reg.gauge('batch_last_success_seconds').set(1_700_000_123);
    reg.histogram('batch_duration_seconds').record(0.4);
    await push(reg, { url, job: 'nightly', grouping: { instance: 'host/1' } });
    const text = await scrapeGateway();
    assert.match(text, /batch_records_total\{instance="host\/1",job="nightly",stage="load"\} 1234/);
    assert.match(text, /batch_last_success_seconds\{instance="host\/1",job="nightly"\} 1\.700000123e\+09/);
    assert.match(text, /batch_duration_seconds_count\{instance="host\/1",job="nightly"\} 1/);
  });

  it('PUT replaces the group, POST replaces only same-named metrics, DELETE removes it', async () => {
    const a = new Registry();
    a.gauge('only_in_a').set(1);
    a.gauge('shared').set(1);
    await push(a, { url, job: 'swap' });
    const b = new Registry();
    b.gauge('shared').set(2);
    await push(b, { url, job: 'swap', method: 'POST' });
    let text = await scrapeGateway();
    assert.match(text, /only_in_a\{instance="",job="swap"\} 1/);
    assert.match(text, /shared\{instance="",job="swap"\} 2/);
    await push(b, { url, job: 'swap', method: 'PUT' });
    text = await scrapeGateway();
    assert.doesNotMatch(text, /only_in_a\{instance="",job="swap"\}/);
    await deleteGroup({ url, job: 'swap' });
    text = await scrapeGateway();
    assert.doesNotMatch(text, /job="swap"/);
  });

  it('pushes on an interval and once more on close', async () => {
    const reg = new Registry();
    const c = reg.counter('ticks_total');
    const loop = startPushing(reg, { url, job: 'loop', interval: 50 });
    c.increment(5);
    await waitFor(async () => (/ticks_total\{instance="",job="loop"\} 5/.test(await scrapeGateway()) ? true : undefined), 5000, 'interval push');
    c.increment(1);
    await loop.close();
    assert.match(await scrapeGateway(), /ticks_total\{instance="",job="loop"\} 6/);
  });

  it('reports a refused push with the status and message', async () => {
    const reg = new Registry();
    reg.gauge('x').set(1);
    // a path the gateway does not serve: it answers 404
    await assert.rejects(push(reg, { url: `${url}/bogus/prefix`, job: 'j' }), (e: Error & { code?: string }) => e.code === 'ERR_METERKIT_PUSH' && /answered 404/.test(e.message));
    const errors: unknown[] = [];
    const loop = startPushing(reg, { url: 'http://127.0.0.1:1', job: 'j', interval: 10_000, onError: (e) => errors.push(e), deleteOnStop: true });
    await loop.pushNow();
    await loop.close();
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]), /ECONNREFUSED|fetch failed/);
  });
});

describe('pushgateway URLs', () => {
  it('encodes grouping values, base64 where needed', async () => {
    assert.equal(groupUrl({ url: 'http://gw:9091', job: 'a b' }), 'http://gw:9091/metrics/job/a%20b');
    assert.equal(groupUrl({ url: 'http://gw:9091/', job: 'j', grouping: { path: '/var/tmp', empty: '' } }), 'http://gw:9091/metrics/job/j/path@base64/L3Zhci90bXA/empty@base64/=');
    assert.throws(() => groupUrl({ url: 'not a url', job: 'j' }), /absolute http/);
    assert.throws(() => groupUrl({ url: 'http://gw', job: '' }), /non-empty/);
    assert.throws(() => groupUrl({ url: 'http://gw', job: 'j', grouping: { 'bad-name': 'x' } }), /invalid label name/);
    assert.throws(() => startPushing(new Registry(), { url: 'http://gw', job: 'j', interval: 0 }), /interval 0/);
    await assert.rejects(push(new Registry(), { url: 'http://gw', job: 'j', method: 'PATCH' as 'PUT' }), /PUT or POST/);
  });
});
