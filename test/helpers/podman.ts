/**
 * Docker-compatible engines for tests: a real one (Podman's API service on a temporary socket,
 * with the project's containers.conf (scripts/podman) and the local busybox image), and a fake
 * one for failure paths a real engine will not produce on demand.
 */
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, startProcess, tempDir, waitFor } from './tools.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PODMAN_ENV = { ...process.env, CONTAINERS_CONF: join(ROOT, 'scripts/podman/containers.conf') };
export const IMAGE = 'localhost/busybox:latest';

/** Calls the engine's API over its socket. */
export function api(socketPath: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath, method, path, headers: { Host: 'd', ...(data ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => {
        let json: unknown = b;
        try {
          json = b === '' ? null : JSON.parse(b);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** A running Podman API service. */
export interface Engine {
  socket: string;
  url: string;
  /** Creates and (unless told not to) starts a container; returns its id. */
  container(name: string, cmd: string[], start?: boolean): Promise<string>;
  remove(id: string): Promise<void>;
  /** Stops the service (the socket goes away); `start()` brings it back on the same socket. */
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** Starts `podman system service` on a fresh socket, building the busybox image if needed. */
export async function startEngine(): Promise<Engine> {
  await run('sh', [join(ROOT, 'scripts/podman-image.sh')], { env: PODMAN_ENV });
  const tmp = tempDir('podman');
  const socket = join(tmp.dir, 'podman.sock');
  let svc: ReturnType<typeof startProcess> | null = null;
  const created: string[] = [];
  const start = async (): Promise<void> => {
    svc = startProcess('podman', ['system', 'service', '--time=0', `unix://${socket}`]);
    await waitFor(async () => ((await api(socket, 'GET', '/_ping')).status === 200 ? true : undefined), 30_000, 'podman API service');
  };
  // startProcess does not take an env; podman reads CONTAINERS_CONF from ours
  process.env.CONTAINERS_CONF = PODMAN_ENV.CONTAINERS_CONF;
  await start();
  const engine: Engine = {
    socket,
    url: `unix://${socket}`,
    async container(name, cmd, startIt = true) {
      const r = await api(socket, 'POST', `/v1.41/containers/create?name=${encodeURIComponent(name)}`, { Image: IMAGE, Cmd: cmd });
      if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.json)}`);
      const id = (r.json as { Id: string }).Id;
      created.push(id);
      if (startIt) {
        const s = await api(socket, 'POST', `/v1.41/containers/${id}/start`);
        if (s.status !== 204 && s.status !== 304) throw new Error(`start ${name}: ${s.status} ${JSON.stringify(s.json)}`);
      }
      return id;
    },
    async remove(id) {
      await api(socket, 'DELETE', `/v1.41/containers/${id}?force=true`);
    },
    async stop() {
      await svc?.stop();
      svc = null;
    },
    start,
    async dispose() {
      // clean up as much as possible, then say what could not be (a container left running)
      const failures: unknown[] = [];
      if (svc === null) await start().catch((err: unknown) => failures.push(err));
      for (const id of created) await api(socket, 'DELETE', `/v1.41/containers/${id}?force=true`).catch((err: unknown) => failures.push(err));
      await svc?.stop();
      tmp.remove();
      if (failures.length > 0) throw new AggregateError(failures, `Podman clean-up: ${failures.length} step(s) failed`);
    },
  };
  return engine;
}

/** A route of the fake engine: answers (or holds) one request. */
export type FakeRoute = (res: ServerResponse, req: IncomingMessage) => void;

/** A fake engine on a unix socket: routes by path without the version prefix and query. */
export async function fakeEngine(routes: Record<string, FakeRoute>): Promise<{ url: string; socket: string; server: Server; remove: () => Promise<void> }> {
  const tmp = tempDir('fake-docker');
  const socket = join(tmp.dir, 'd.sock');
  const server = createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/v[\d.]+/, '').split('?')[0] as string;
    const h = routes[path];
    if (h) h(res, req);
    else res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"no such thing"}');
  });
  await new Promise<void>((r) => server.listen(socket, r));
  return {
    url: `unix://${socket}`,
    socket,
    server,
    remove: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      tmp.remove();
    },
  };
}

/** A fake-engine route answering JSON (a string is sent as is, so it can be malformed). */
export const json =
  (body: unknown, status = 200): FakeRoute =>
  (res) =>
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));

/** Routes every fake engine needs: `/_ping`, `/version` (API 1.41) and `/info`. */
export const BASE_ROUTES: Record<string, FakeRoute> = {
  '/_ping': (r) => r.end('OK'),
  '/version': json({ ApiVersion: '1.41', Version: '24.0.0', KernelVersion: '6.1.0' }),
  '/info': json({ OperatingSystem: 'Debian GNU/Linux 12 (bookworm)' }),
};
