/**
 * `docker_probe_container_failed_total{name}` kept a series for every container name that ever
 * failed, forever: unbounded under container churn. Now a gone container's series is removed
 * (as docker_exporter's ContainerTrackerMetrics does with its tracker), and the number of
 * names with a series is bounded (`maxFailedSeries`), the rest counted in
 * `docker_probe_container_failed_overflow_total`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { DockerCollector } from '../../src/collectors/docker/index.js';
import { render } from '../../src/prometheus/index.js';
import type { FakeRoute } from '../helpers/podman.js';
import { BASE_ROUTES, fakeEngine, json } from '../helpers/podman.js';

const failedNames = (text: string): string[] =>
  [...text.matchAll(/^docker_probe_container_failed_total\{name="([^"]*)"\} \d+$/gm)].map((m) => m[1] as string).sort();

describe('regression: failed-container series follow the containers and are bounded', () => {
  let eng: Awaited<ReturnType<typeof fakeEngine>>;
  let listed: string[] = [];
  before(async () => {
    const routes: Record<string, FakeRoute> = {
      ...BASE_ROUTES,
      '/containers/json': (res, req) => json(listed.map((n) => ({ Id: `id-${n}`, Names: [`/${n}`] })))(res, req),
    };
    // every inspect fails with a server error: a failure, not a vanished container (404)
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) routes[`/containers/id-${n}/json`] = json({ message: 'boom' }, 500);
    eng = await fakeEngine(routes);
  });
  after(() => eng.remove());

  it('removes the series of a container that is gone, keeps those still listed', async () => {
    const reg = new Registry();
    const dc = new DockerCollector(reg, { url: eng.url, log: () => {} });
    listed = ['a', 'b'];
    await dc.update();
    assert.deepEqual(failedNames(render(reg)), ['a', 'b']);
    listed = ['b', 'c'];
    await dc.update();
    assert.deepEqual(failedNames(render(reg)), ['b', 'c'], 'a is gone: its series with it');
    assert.equal(reg.view(reg.counter('docker_probe_container_failed_total', { name: 'b' })).value, 2, 'b still listed keeps counting');
    await dc.close();
    assert.deepEqual(failedNames(render(reg)), [], 'close takes them back');
  });

  it('bounds the names with a series; failures past the bound are counted without a name', async () => {
    const reg = new Registry();
    const dc = new DockerCollector(reg, { url: eng.url, log: () => {}, maxFailedSeries: 2, concurrency: 1 });
    listed = ['a', 'b', 'c', 'd'];
    await dc.update();
    assert.equal(failedNames(render(reg)).length, 2);
    assert.equal(reg.view(reg.counter('docker_probe_container_failed_overflow_total')).value, 2);
    listed = ['e', 'f'];
    await dc.update();
    assert.deepEqual(failedNames(render(reg)), ['e', 'f'], 'the gone ones freed their places');
    await dc.close();
  });

  it('refuses a bad maxFailedSeries', () => {
    assert.throws(() => new DockerCollector(new Registry(), { url: eng.url, maxFailedSeries: -1 }), { code: 'ERR_METERKIT_INVALID_ARGUMENT' });
  });
});
