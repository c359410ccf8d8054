import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { Broadcaster, MemoryQueue } from '../../src/notify/index.js';
import { render } from '../../src/prometheus/index.js';
import { sampleValue, until } from '../helpers/backends.js';
import type { Receiver } from '../helpers/receiver.js';
import { startReceiver } from '../helpers/receiver.js';
import { needs } from '../helpers/tools.js';
import { promtoolCheck } from '../helpers/validate.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const TOKEN = 'Bearer s3cret-token-value';

describe('notify metrics', () => {
  let r: Receiver | undefined;
  let b: Broadcaster | undefined;
  after(async () => {
    await b?.close();
    await r?.close();
  });

  it('publishes EndpointMetrics and meterkit_notifications_* without secrets, header values or URL credentials', needs('promtool'), async () => {
    r = await startReceiver();
    r.script([{ status: 500 }, { status: 400 }], { status: 200 });
    const reg = new Registry();
    const url = r.url.replace('http://', 'http://user:p4ssw0rd@');
    b = new Broadcaster({
      queue: new MemoryQueue(),
      recorder: reg,
      endpoints: [{ name: 'hook', url, headers: { Authorization: TOKEN }, secret: SECRET, threshold: 100, ignore: { actions: ['peer.noise'] } }],
    });
    await b.write([{ action: 'peer.down', target: { type: 'peer', id: 'p1' } }, { action: 'peer.noise', target: { type: 'peer', id: 'p1' } }]);
    await until(() => b?.vars().endpoints[0]?.Metrics.Pending === 0, 'the dead letter');
    await b.write([{ action: 'peer.up', target: { type: 'peer', id: 'p1' } }, { action: 'peer.up', target: { type: 'peer', id: 'p2' } }]);
    await until(() => b?.vars().endpoints[0]?.Metrics.Successes === 2, 'the delivery');

    const vars = b.vars();
    const ep = vars.endpoints[0] as Record<string, unknown>;
    assert.equal(ep.name, 'hook');
    assert.equal(ep.url, r.url, 'credentials are cut from the URL');
    assert.deepEqual(ep.Headers, ['Authorization']);
    assert.equal(ep.Signed, true);
    assert.deepEqual(ep.Metrics, { Pending: 0, Events: 3, Successes: 2, Failures: 2, Errors: 0, Statuses: { '500 Internal Server Error': 1, '400 Bad Request': 1, '200 OK': 2 } });
    const json = JSON.stringify(vars);
    const text = render(reg);
    for (const secret of ['s3cret-token-value', 'p4ssw0rd', SECRET.slice(6)]) {
      assert.ok(!json.includes(secret), `vars hold ${secret}`);
      assert.ok(!text.includes(secret), `metrics hold ${secret}`);
    }

    const v = (name: string, labels: Record<string, string>) => sampleValue(text, name, labels);
    assert.equal(v('meterkit_notifications_events_total', { type: 'Events', action: 'peer.down', artifact: '', endpoint: 'hook' }), 1);
    assert.equal(v('meterkit_notifications_events_total', { type: 'Events', action: 'peer.up', artifact: '', endpoint: 'hook' }), 2);
    assert.equal(v('meterkit_notifications_events_total', { type: 'Dropped', action: 'peer.noise', artifact: '', endpoint: 'hook' }), 1);
    assert.equal(v('meterkit_notifications_events_total', { type: 'Events', action: 'peer.noise', artifact: '', endpoint: 'hook' }), undefined);
    assert.equal(v('meterkit_notifications_events_total', { type: 'Failures', action: 'peer.down', artifact: '', endpoint: 'hook' }), 2);
    assert.equal(v('meterkit_notifications_events_total', { type: 'Successes', action: 'peer.up', artifact: '', endpoint: 'hook' }), 2);
    assert.equal(v('meterkit_notifications_pending', { endpoint: 'hook' }), 0);
    assert.equal(v('meterkit_notifications_status_total', { code: '200 OK', endpoint: 'hook' }), 2, 'per event, as distribution counts');
    assert.equal(v('meterkit_notifications_status_total', { code: '400 Bad Request', endpoint: 'hook' }), 1);
    assert.equal(v('meterkit_notifications_delivery_total', { endpoint: 'hook', delivery_type: 'delivered' }), 2);
    assert.equal(v('meterkit_notifications_delivery_total', { endpoint: 'hook', delivery_type: 'lost' }), 1);
    assert.equal(v('meterkit_notifications_dead_lettered_total', { endpoint: 'hook', reason: 'status' }), 1);
    assert.equal(v('meterkit_notifications_dead_letters', { endpoint: 'hook' }), 1);
    assert.equal(v('meterkit_notifications_retries_count_bucket', { endpoint: 'hook', le: '0' }), 2);
    assert.equal(v('meterkit_notifications_retries_count_bucket', { endpoint: 'hook', le: '1' }), 3);
    assert.equal(v('meterkit_notifications_retries_count_count', { endpoint: 'hook' }), 3);
    assert.equal(v('meterkit_notifications_http_latency_seconds_count', { endpoint: 'hook' }), 3);
    assert.equal(v('meterkit_notifications_total_latency_seconds_count', { endpoint: 'hook' }), 2);
    assert.notEqual(v('meterkit_notifications_total_latency_seconds_bucket', { endpoint: 'hook', le: '0.005' }), undefined);
    await promtoolCheck(text);
  });
});
