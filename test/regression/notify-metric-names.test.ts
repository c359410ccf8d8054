/**
 * Regression (#12 review, finding 12): the Prometheus metrics must MIRROR distribution's
 * registry_notifications_* set (notifications/metrics.go) under the meterkit_notifications_
 * prefix: the same suffixes, label names (events_total has `artifact`), types and buckets;
 * `Errors` is not a type of events_total (distribution counts them in errors_total only), and
 * status_total counts events. Failed before the fix: the retries histogram was named
 * `…_retries`, events_total had no `artifact` label and a type `Errors`, the latency buckets
 * were not distribution's, and status_total counted requests.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { Broadcaster, MemoryQueue } from '../../src/notify/index.js';
import { render } from '../../src/prometheus/index.js';
import { until } from '../helpers/backends.js';
import { startReceiver } from '../helpers/receiver.js';
import type { Receiver } from '../helpers/receiver.js';

const open: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

/** `name{label names}` of every sample family in a text exposition, with its TYPE. */
function families(text: string): Map<string, { type: string; labels: Set<string> }> {
  const out = new Map<string, { type: string; labels: Set<string> }>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t !== null) out.set(t[1] as string, { type: t[2] as string, labels: new Set() });
    const s = /^([a-z_]+?)(_bucket|_sum|_count)?\{([^}]*)\}/.exec(line);
    if (s === null) continue;
    const f = out.get(s[1] as string) ?? out.get(`${s[1] as string}${s[2] ?? ''}`);
    for (const kv of (s[3] as string).split(/,(?=[a-z_]+=)/)) f?.labels.add(kv.split('=')[0] as string);
  }
  return out;
}

describe('notify metrics mirror distribution\'s registry_notifications_*', () => {
  it('same suffixes, label names, types and buckets', async () => {
    const r: Receiver = await startReceiver();
    open.push(r);
    r.script([{ reset: true }, { status: 500 }], { status: 200 });
    const reg = new Registry();
    const b = new Broadcaster({ queue: new MemoryQueue(), recorder: reg, endpoints: [{ name: 'hook', url: r.url, threshold: 100, ignore: { actions: ['x.noise'] } }] });
    open.push(b);
    await b.write([{ action: 'x.y', target: { type: 't', id: '1' } }, { action: 'x.y', target: { type: 't', id: '2' } }, { action: 'x.noise', target: { type: 't', id: '3' } }]);
    await r.deliveredAtLeast(2);
    await until(() => b.vars().endpoints[0]?.Metrics.Pending === 0, 'the ack');
    const text = render(reg);
    const f = families(text);
    const want: Record<string, [string, string[]]> = {
      meterkit_notifications_events_total: ['counter', ['type', 'action', 'artifact', 'endpoint']],
      meterkit_notifications_pending: ['gauge', ['endpoint']],
      meterkit_notifications_status_total: ['counter', ['code', 'endpoint']],
      meterkit_notifications_errors_total: ['counter', ['endpoint']],
      meterkit_notifications_delivery_total: ['counter', ['endpoint', 'delivery_type']],
      meterkit_notifications_retries_count: ['histogram', ['endpoint', 'le']],
      meterkit_notifications_http_latency_seconds: ['histogram', ['endpoint', 'le']],
      meterkit_notifications_total_latency_seconds: ['histogram', ['endpoint', 'le']],
    };
    for (const [name, [type, labels]] of Object.entries(want)) {
      assert.equal(f.get(name)?.type, type, `${name} is a ${type}`);
      assert.deepEqual([...(f.get(name)?.labels ?? [])].sort(), [...labels].sort(), `labels of ${name}`);
    }
    assert.match(text, /meterkit_notifications_events_total\{type="Events",action="x\.y",artifact="",endpoint="hook"\} 2/);
    assert.doesNotMatch(text, /type="Errors"/, 'errors are counted in errors_total only');
    assert.match(text, /meterkit_notifications_errors_total\{endpoint="hook"\} 2/);
    assert.match(text, /meterkit_notifications_status_total\{code="500 Internal Server Error",endpoint="hook"\} 2/, 'per event');
    const le = [...text.matchAll(/meterkit_notifications_http_latency_seconds_bucket\{endpoint="hook",le="([^"]+)"\}/g)].map((m) => m[1]);
    assert.deepEqual(le, ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '25', '50', '100', '+Inf']);
  });
});
