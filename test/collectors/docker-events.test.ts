import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContainerEvent, DockerEventsFollower } from '../../src/collectors/docker/index.js';
import { followDockerEvents, parseContainerEvent } from '../../src/collectors/docker/index.js';
import type { Engine } from '../helpers/podman.js';
import { BASE_ROUTES, fakeEngine, startEngine } from '../helpers/podman.js';
import { needs, requireTools, waitFor } from '../helpers/tools.js';

describe('parseContainerEvent', () => {
  it('reads Docker and Podman shapes; other kinds are null', () => {
    const docker = parseContainerEvent({ Type: 'container', Action: 'health_status: unhealthy', Actor: { ID: 'abc', Attributes: { name: 'web', image: 'nginx' } }, time: 1700000000, timeNano: 1700000000123456000 });
    assert.deepEqual(docker?.event, { action: 'health_status', id: 'abc', name: 'web', image: 'nginx', time: 1700000000123, health: 'unhealthy' });
    const podman = parseContainerEvent({ Type: 'container', Action: 'health_status', Actor: { ID: 'abc', Attributes: { name: 'web', image: 'i', health_status: 'healthy' } }, time: 1700000000 });
    assert.equal(podman?.event.health, 'healthy');
    assert.equal(parseContainerEvent({ Type: 'container', Action: 'die', Actor: { ID: 'x', Attributes: { exitCode: '3' } }, time: 1 })?.event.exitCode, 3);
    assert.equal(parseContainerEvent({ Type: 'image', Action: 'pull', Actor: { ID: 'x' } }), null);
    assert.equal(parseContainerEvent({ Type: 'container', Action: 'create', Actor: { ID: 'x' } }), null);
    assert.equal(parseContainerEvent('nope'), null);
  });
});

describe('followDockerEvents against a fake engine', () => {
  it('reconnects after the stream ends, asks since the last event, skips repeats, and bounds a line', async () => {
    const paths: string[] = [];
    let calls = 0;
    // timeNano as the engine writes it: digits past a double's precision (…001 and …002 differ)
    const line = (action: string, nano: number, tail = '000000001'): string => `{"Type":"container","Action":"${action}","Actor":{"ID":"c${nano}","Attributes":{"name":"n"}},"timeNano":${nano / 1e9}${tail}}\n`;
    const engine = await fakeEngine({
      ...BASE_ROUTES,
      '/events': (res, req) => {
        paths.push(req.url ?? '');
        calls++;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        if (calls === 1) res.end(line('start', 1e18) + line('die', 2e18) + line('die', 2e18, '000000002'));
        // the repeat of the last second comes back, then one new event, then a line with no end
        else if (calls === 2) res.end(line('die', 2e18) + line('oom', 3e18) + 'x'.repeat(2000));
        else res.write(line('start', 4e18));
      },
    });
    const seen: ContainerEvent[] = [];
    const errors: Error[] = [];
    const f = followDockerEvents({ url: engine.url, backoff: 1, maxBackoff: 5, maxLineBytes: 1000, onEvent: (e) => seen.push(e), onError: (e) => errors.push(e) });
    try {
      await waitFor(async () => (seen.length >= 5 ? true : undefined), 10_000, 'five events');
      assert.deepEqual(seen.map((e) => e.action), ['start', 'die', 'die', 'oom', 'start']);
      assert.match(paths[0] as string, /filters=/);
      assert.doesNotMatch(paths[0] as string, /since=/);
      assert.match(paths[1] as string, /since=2000000000(&|$)/);
      assert.ok(errors.some((e) => /longer than 1000 bytes/.test(e.message)), errors.map((e) => e.message).join('; '));
    } finally {
      await f.close();
      await engine.remove();
    }
  });

  it('close() during the backoff ends at once', async () => {
    const f = followDockerEvents({ url: 'unix:///nonexistent/meterkit.sock', backoff: 60_000, onEvent: () => undefined, onError: () => undefined });
    await f.close();
  });
});

describe('followDockerEvents against a real engine (Podman)', { ...needs('podman'), timeout: 180_000 }, () => {
  let engine: Engine | undefined;
  let follower: DockerEventsFollower | undefined;
  before(async () => {
    requireTools('podman');
    engine = await startEngine();
  });
  after(async () => {
    await follower?.close();
    await engine?.dispose();
  });

  it('streams start and die of a container with its exit code', async () => {
    const e = engine as Engine;
    const seen: ContainerEvent[] = [];
    const errors: string[] = [];
    follower = followDockerEvents({ url: e.url, onEvent: (ev) => seen.push(ev), onError: (err) => errors.push(err.message) });
    await follower.opened;
    const name = `mk${process.pid}-events`;
    const id = await e.container(name, ['sh', '-c', 'exit 7']);
    const died = await waitFor(async () => seen.find((ev) => ev.id === id && ev.action === 'die'), 30_000, `die of ${name} (seen ${JSON.stringify(seen)}; errors ${errors.join('; ')})`);
    assert.equal(died.name, name);
    assert.equal(died.exitCode, 7);
    assert.ok(seen.some((ev) => ev.id === id && ev.action === 'start'), JSON.stringify(seen));
  });
});
