/** The monitor's own metrics in a real Registry: names, labels, values, unpublished when a peer is forgotten; promtool accepts them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DebuggingRecorder } from '../../src/core/debugging.js';
import { Registry } from '../../src/core/registry.js';
import { render } from '../../src/prometheus/index.js';
import { MONITOR_METRICS, Monitor } from '../../src/monitor/index.js';
import { sampleValue } from '../helpers/backends.js';
import { needs } from '../helpers/tools.js';
import { promtoolCheck } from '../helpers/validate.js';

function near(actual: number | undefined, expected: number): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-4, `${String(actual)} is not ${expected}`);
}

function setup(): { mon: Monitor; clock: { t: number }; registry: Registry } {
  const clock = { t: 1_700_000_000_000 };
  const registry = new Registry();
  const mon = new Monitor({ now: () => clock.t, recorder: registry, forgetAfter: 60_000, detector: { kind: 'phi', minSamples: 2, minStdDev: 100 } });
  return { mon, clock, registry };
}

describe('the monitor\'s own metrics', () => {
  it('peers by state, metrics logged, alerts by kind and metric, last-seen age and phi per (peer, metric), computed at collection', async () => {
    const { mon, clock, registry } = setup();
    for (let i = 0; i < 3; i++) {
      if (i > 0) clock.t += 1000;
      mon.logMetric({ name: 'ping', peer: 'a', ttl: 5000 });
      mon.logMetric({ name: 'ping', peer: 'b', ttl: 5000 });
    }
    mon.logMetric({ name: 'cpu', peer: 'b', ttl: 100, valid: false });
    mon.logMetric({ name: 'cpu', peer: 'c', ttl: 100, valid: false });
    clock.t += 500;
    mon.check();
    await registry.collect();
    let text = render(registry);
    const v = (name: string, labels: Record<string, string> = {}): number | undefined => sampleValue(text, name, labels);
    assert.equal(v('meterkit_monitor_metrics_logged_total', { metric: 'ping' }), 6);
    assert.equal(v('meterkit_monitor_metrics_logged_total', { metric: 'cpu' }), 2);
    assert.equal(v('meterkit_monitor_peers', { state: 'up' }), 2);
    assert.equal(v('meterkit_monitor_peers', { state: 'unknown' }), 1);
    assert.equal(v('meterkit_monitor_peers', { state: 'down' }), 0);
    assert.equal(v('meterkit_monitor_last_seen_age_seconds', { peer: 'a', metric: 'ping' }), 0.5);
    assert.equal(v('meterkit_monitor_last_seen_age_seconds', { peer: 'c', metric: 'cpu' }), 0.5);
    // intervals 1000, 1000: mean 1000, deviation floored at 100; 500 ms since the last: y = −5
    assert.ok((v('meterkit_monitor_phi', { peer: 'a', metric: 'ping' }) as number) < 1e-6);
    assert.equal(v('meterkit_monitor_phi', { peer: 'c', metric: 'cpu' }), undefined, 'no phi without enough intervals');
    assert.equal(v('meterkit_monitor_alerts_total', { kind: 'down', metric: 'ping' }), undefined);

    clock.t += 1500; // 2000 ms since the last: y = 10, phi ≈ 40
    mon.check();
    await registry.collect();
    text = render(registry);
    assert.ok((v('meterkit_monitor_phi', { peer: 'a', metric: 'ping' }) as number) > 8);
    assert.equal(v('meterkit_monitor_alerts_total', { kind: 'down', metric: 'ping' }), 2);
    assert.equal(v('meterkit_monitor_peers', { state: 'down' }), 2);
    assert.equal(v('meterkit_monitor_peers', { state: 'up' }), 0);

    mon.logMetric({ name: 'ping', peer: 'a', ttl: 5000 });
    text = render(registry);
    assert.equal(v('meterkit_monitor_alerts_total', { kind: 'up', metric: 'ping' }), 1);
  });

  it('a forgotten peer\'s per-peer series are unpublished', async () => {
    const { mon, clock, registry } = setup();
    mon.logMetric({ name: 'ping', peer: 'gone', ttl: 10 });
    mon.logMetric({ name: 'ping', peer: 'stays', ttl: 10 });
    mon.logMetric({ name: 'ping', peer: 'gone', ttl: 10 });
    mon.logMetric({ name: 'ping', peer: 'gone', ttl: 10 });
    mon.check();
    await registry.collect();
    assert.notEqual(sampleValue(render(registry), 'meterkit_monitor_last_seen_age_seconds', { peer: 'gone', metric: 'ping' }), undefined);
    clock.t += 30_000;
    mon.logMetric({ name: 'ping', peer: 'stays', ttl: 10 });
    clock.t += 30_001;
    mon.check();
    await registry.collect();
    const text = render(registry);
    assert.equal(sampleValue(text, 'meterkit_monitor_last_seen_age_seconds', { peer: 'gone', metric: 'ping' }), undefined);
    assert.equal(sampleValue(text, 'meterkit_monitor_phi', { peer: 'gone', metric: 'ping' }), undefined);
    assert.equal(sampleValue(text, 'meterkit_monitor_last_seen_age_seconds', { peer: 'stays', metric: 'ping' }), 30.001);
  });

  it('with a recorder that runs no collectors, each check publishes the gauges; forgetting leaves them', () => {
    const rec = new DebuggingRecorder();
    const clock = { t: 0 };
    const mon = new Monitor({ now: () => clock.t, recorder: rec, forgetAfter: 10_000, detector: { kind: 'phi', minSamples: 1, minStdDev: 100 } });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 5 });
    clock.t += 1000;
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 5 });
    clock.t += 1000;
    mon.check();
    const snap = (): ReturnType<ReturnType<DebuggingRecorder['snapshotter']>['snapshot']> => rec.snapshotter().snapshot();
    assert.equal(snap().gauge('meterkit_monitor_last_seen_age_seconds', { peer: 'a', metric: 'ping' }), 1);
    near(snap().gauge('meterkit_monitor_phi', { peer: 'a', metric: 'ping' }), 0.30103);
    clock.t += 10_001;
    mon.check();
    assert.deepEqual(mon.status(), []);
    assert.equal(snap().counter('meterkit_monitor_metrics_logged_total', { metric: 'ping' }), 2);
  });

  it('close() removes the collector', async () => {
    const registry = new Registry();
    const clock = { t: 0 };
    const mon = new Monitor({ now: () => clock.t, recorder: registry });
    mon.logMetric({ name: 'ping', peer: 'a', ttl: 5 });
    await mon.close();
    clock.t += 7000;
    await registry.collect();
    assert.equal(sampleValue(render(registry), 'meterkit_monitor_last_seen_age_seconds', { peer: 'a', metric: 'ping' }), 0, 'the value at the window\'s first metric, never updated');
    // two monitors on one registry each get their own collector
    const again = new Monitor({ recorder: registry });
    await again.close();
  });

  it('promtool accepts the exposition', needs('promtool'), async () => {
    const { mon, clock, registry } = setup();
    for (let i = 0; i < 3; i++) {
      mon.logMetric({ name: 'ping', peer: 'a"quoted\\peer', ttl: 500 });
      clock.t += 1000;
    }
    assert.throws(() => mon.logMetric({ name: 'ping', peer: 'a', ttl: 0 }));
    mon.check();
    await registry.collect();
    const text = render(registry);
    for (const [name] of Object.values(MONITOR_METRICS)) assert.match(text, new RegExp(`# HELP ${name} `));
    await promtoolCheck(text);
  });
});
