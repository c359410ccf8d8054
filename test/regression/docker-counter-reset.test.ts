/**
 * Issue #9 §2: the tracker detected a counter reset by reading `.value` back from its recorder's
 * handle; behind a fanout (handles without `.value`) a reset went unseen and the counter stuck at
 * its old high. The tracker now keeps the last raw reading per series itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import type { Counter } from '../../src/index.js';
import { DockerCollector } from '../../src/collectors/docker/index.js';
import type { DockerMetricsTarget } from '../../src/collectors/docker/index.js';
import { BASE_ROUTES, fakeEngine, json } from '../helpers/podman.js';

describe('regression: counter resets are seen without reading the recorder back', () => {
  let eng: Awaited<ReturnType<typeof fakeEngine>>;
  let cpu = 5e9;
  before(async () => {
    eng = await fakeEngine({
      ...BASE_ROUTES,
      '/containers/json': json([{ Id: 'c', Names: ['/c'] }]),
      '/containers/c/json': json({ Id: 'c', State: { Status: 'running', Running: true, Pid: 0 } }),
      '/containers/c/stats': (res, req) => json({ cpu_stats: { cpu_usage: { total_usage: cpu }, system_cpu_usage: 1e12, online_cpus: 1 }, memory_stats: { usage: 1 } })(res, req),
    });
  });
  after(() => eng.remove());

  it('a figure going down restarts the counter from it', async () => {
    const reg = new Registry();
    // a target whose counter handles have no readable value, as a fanout's
    const target: DockerMetricsTarget = {
      describeCounter: (n, u, d) => reg.describeCounter(n, u, d),
      describeGauge: (n, u, d) => reg.describeGauge(n, u, d),
      describeHistogram: (n, u, d) => reg.describeHistogram(n, u, d),
      registerGauge: (n, l) => reg.registerGauge(n, l),
      registerHistogram: (n, l) => reg.registerHistogram(n, l),
      remove: (n, l) => reg.remove(n, l),
      registerCounter: (name, labels): Counter => {
        const c = reg.registerCounter(name, labels);
        return { increment: (v?: number) => c.increment(v), absolute: (v: number) => c.absolute(v) };
      },
    };
    const dc = new DockerCollector(target, { url: eng.url, naming: 'cadvisor', log: () => undefined });
    const read = (): number | undefined => {
      let v: number | undefined;
      reg.family('container_cpu_usage_seconds_total')?.forEachSeries((s) => (v = (s as unknown as { value: number }).value));
      return v;
    };
    await dc.update();
    assert.equal(read(), 5);
    cpu = 7e9;
    await dc.update();
    assert.equal(read(), 7);
    cpu = 2e9; // the container restarted: its cgroup counts from zero again
    await dc.update();
    assert.equal(read(), 2);
    await dc.close();
  });
});
