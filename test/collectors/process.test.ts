import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { collectProcessMetrics } from '../../src/collectors/process/index.js';
import { render } from '../../src/prometheus/index.js';
import { forceGc } from '../helpers/gc.js';
import { waitFor } from '../helpers/tools.js';

/** The values of one metric's samples in a text exposition, by their label string (`''` for none). */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

const PROM_CLIENT_NAMES = [
  'process_cpu_user_seconds_total', 'process_cpu_system_seconds_total', 'process_cpu_seconds_total',
  'process_start_time_seconds', 'process_resident_memory_bytes', 'process_virtual_memory_bytes', 'process_heap_bytes',
  'process_open_fds', 'process_max_fds', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds', 'nodejs_eventloop_lag_mean_seconds', 'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p90_seconds', 'nodejs_eventloop_lag_p99_seconds',
  'nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_requests_total',
  'nodejs_active_resources', 'nodejs_active_resources_total', 'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes', 'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes', 'nodejs_heap_space_size_available_bytes', 'nodejs_version_info',
  'nodejs_gc_duration_seconds',
];

describe('process collector', () => {
  it('produces prom-client names with plausible values', async () => {
    const reg = new Registry();
    const pc = collectProcessMetrics(reg, { eventLoopResolution: 1 });
    // one handle whose count the test knows: this process serves nothing else
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // Work with the loop turning, so the event-loop delay monitor (1 ms resolution) takes
      // samples: it samples on its own timer, so time has to pass. A measurement window, not a
      // wait for an event.
      for (let i = 0; i < 20; i++) {
        Array.from({ length: 50000 }, (_, k) => ({ k }));
        await new Promise((r) => setTimeout(r, 2));
      }
      // a GC for certain (a major one), seen by the observer a turn or two later
      forceGc();
      await waitFor(async () => {
        await reg.collect();
        return /^nodejs_gc_duration_seconds_count\{kind="major"\} [1-9]/m.test(render(reg)) ? true : undefined;
      }, 10_000, 'the forced GC in nodejs_gc_duration_seconds');
      const text = render(reg);
      for (const name of PROM_CLIENT_NAMES) {
        if (name === 'nodejs_gc_duration_seconds') continue; // a histogram: its _count is checked below
        assert.match(text, new RegExp(`^${name}(\\{| )`, 'm'), name);
      }
      const v = (name: string, labels?: Record<string, string>): number => reg.view(reg.gauge(name, labels)).value;
      assert.ok(v('process_resident_memory_bytes') > 10e6);
      assert.ok(v('process_virtual_memory_bytes') >= v('process_resident_memory_bytes'));
      assert.ok(v('process_open_fds') > 0 && v('process_open_fds') < v('process_max_fds'));
      assert.ok(Math.abs(v('process_start_time_seconds') - (Date.now() / 1000 - process.uptime())) < 2);
      assert.ok(reg.view(reg.counter('process_cpu_seconds_total')).value > 0);
      assert.ok(v('nodejs_heap_size_used_bytes') > 0);
      assert.ok(v('nodejs_heap_space_size_used_bytes', { space: 'old' }) > 0);
      assert.equal(v('nodejs_version_info', { version: process.version, major: process.versions.node.split('.')[0] as string, minor: process.versions.node.split('.')[1] as string, patch: process.versions.node.split('.')[2] as string }), 1);
      const lag = v('nodejs_eventloop_lag_seconds');
      assert.ok(lag > 0 && lag < 1, `lag ${lag}`);
      assert.ok(v('nodejs_eventloop_lag_p99_seconds') >= v('nodejs_eventloop_lag_min_seconds'));
      const elu = v('nodejs_eventloop_utilization');
      assert.ok(elu > 0 && elu <= 1, `utilization ${elu} after allocating work`);
      // the listening server is counted under its class name, and the total is the sum by type
      assert.equal(v('nodejs_active_handles', { type: 'Server' }), 1);
      const byType = [...samples(text, 'nodejs_active_handles').values()];
      assert.equal(v('nodejs_active_handles_total'), byType.reduce((a, b) => a + b, 0));
      // the help texts are prom-client's
      assert.match(text, /# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds\./);
      // the forced GC: recorded by kind with prom-client's buckets
      const gc = reg.family('nodejs_gc_duration_seconds');
      assert.deepEqual(Array.from(gc?.layout?.bounds ?? []), [0.001, 0.01, 0.1, 1, 2, 5]);
      assert.ok((samples(text, 'nodejs_gc_duration_seconds_count').get('{kind="major"}') ?? 0) >= 1, 'the forced GC is recorded as major');
      // CPU counters move forward between scrapes
      const before = reg.view(reg.counter('process_cpu_seconds_total')).value;
      let spin = 0;
      for (let i = 0; i < 3e7; i++) spin += i;
      assert.equal(spin, (3e7 * (3e7 - 1)) / 2); // exact in a double; uses the loop's result
      await reg.collect();
      assert.ok(reg.view(reg.counter('process_cpu_seconds_total')).value > before);
      // the loop was busy spinning since the previous collection
      assert.ok(v('nodejs_eventloop_utilization') > 0, 'utilization after a busy spin');
    } finally {
      server.close();
      await pc.close();
    }
    assert.throws(() => collectProcessMetrics(new Registry(), { eventLoopResolution: 0 }), /eventLoopResolution 0/);
  });
});
