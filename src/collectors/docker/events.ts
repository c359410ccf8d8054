/**
 * Follows the engine's `/events` stream (container start, die, oom, health_status) and hands
 * each event to a callback, so the agent can turn them into notifications without this folder
 * knowing about notifications.
 *
 * The stream is one long GET answered with one JSON object per line. When it ends or fails the
 * follower reconnects after a backoff (doubling from `backoff` up to `maxBackoff`, back to the
 * start once a stream is open), asking for the events `since` the last one it saw, and skips
 * those it already handed over (by `timeNano`): an engine restart or a broken connection loses
 * no event the engine still remembers, and repeats none.
 *
 * **Backpressure.** A line is held until its newline, at most `maxLineBytes`: a longer one is
 * an error (reported, the connection is dropped and opened again), so a broken engine cannot
 * make the follower buffer without bound.
 */
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { ErrorCode, MeterkitError } from '../../core/errors.js';
import { checkDuration, checkWhole } from '../../core/options.js';
import { DockerClient, resolveDockerUrl } from './client.js';

/** The container actions followed. */
export const CONTAINER_ACTIONS = ['start', 'die', 'oom', 'health_status'] as const;

/** A followed container action. */
export type ContainerAction = (typeof CONTAINER_ACTIONS)[number];

/** One container event from the engine. */
export interface ContainerEvent {
  action: ContainerAction;
  /** Container id. */
  id: string;
  /** Container name ('' when the engine gives none). */
  name: string;
  /** Image the container runs ('' when the engine gives none). */
  image: string;
  /** When the engine saw it, ms since the epoch. */
  time: number;
  /** `die`: the exit code, when given. */
  exitCode?: number;
  /** `health_status`: `healthy`, `unhealthy`, `starting`. */
  health?: string;
}

/** Options of {@link followDockerEvents}. */
export interface DockerEventsOptions {
  /** unix:///path/docker.sock or tcp://host:port; default DOCKER_HOST, else /var/run/docker.sock. */
  url?: string;
  /** Called once per container event, in the engine's order. Must not throw. */
  onEvent: (event: ContainerEvent) => void;
  /** Failures of the stream (each followed by a reconnect). Default: a process warning. */
  onError?: (err: Error) => void;
  /** First wait before reconnecting, ms. Default 1000. */
  backoff?: number;
  /** Longest wait before reconnecting, ms. Default 30 000. */
  maxBackoff?: number;
  /** Longest line accepted, bytes. Default 64 KiB. */
  maxLineBytes?: number;
  /** Environment for DOCKER_HOST. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A running follower. */
export interface DockerEventsFollower {
  /** The engine's URL. */
  readonly url: string;
  /** Resolves once a stream has been opened (or with close()); for tests and start-up logs. */
  readonly opened: Promise<void>;
  /** Stops following: the stream is aborted and no reconnect is made. */
  close(): Promise<void>;
}

interface RawEvent {
  Type?: unknown;
  Action?: unknown;
  id?: unknown;
  time?: unknown;
  timeNano?: unknown;
  Actor?: { ID?: unknown; Attributes?: Record<string, unknown> };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A raw engine event as a {@link ContainerEvent}; null for any other kind. */
export function parseContainerEvent(raw: unknown): { event: ContainerEvent; nano: bigint } | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as RawEvent;
  if (r.Type !== undefined && r.Type !== 'container') return null;
  const full = str(r.Action);
  // Docker writes "health_status: healthy"; Podman "health_status" with the state in an attribute
  const action = full.startsWith('health_status') ? 'health_status' : full;
  if (!(CONTAINER_ACTIONS as readonly string[]).includes(action)) return null;
  const attrs = r.Actor?.Attributes ?? {};
  const id = str(r.Actor?.ID) || str(r.id);
  if (id === '') return null;
  const nano = typeof r.timeNano === 'number' ? BigInt(Math.trunc(r.timeNano)) : typeof r.time === 'number' ? BigInt(Math.trunc(r.time)) * 1_000_000_000n : 0n;
  const event: ContainerEvent = { action: action as ContainerAction, id, name: str(attrs.name), image: str(attrs.image), time: Number(nano / 1_000_000n) };
  const code = Number.parseInt(str(attrs.exitCode), 10);
  if (action === 'die' && Number.isFinite(code)) event.exitCode = code;
  if (action === 'health_status') {
    const h = full.includes(':') ? full.slice(full.indexOf(':') + 1).trim() : str(attrs.health_status);
    if (h !== '') event.health = h;
  }
  return { event, nano };
}

/**
 * Starts following the engine's container events.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad URL or option.
 */
export function followDockerEvents(options: DockerEventsOptions): DockerEventsFollower {
  const { url, endpoint } = resolveDockerUrl(options.url, options.env);
  const first = checkDuration('Docker events backoff', options.backoff ?? 1000);
  const max = checkDuration('Docker events maxBackoff', options.maxBackoff ?? 30_000);
  const maxLine = checkWhole('Docker events maxLineBytes', options.maxLineBytes ?? 64 * 1024);
  const onError = options.onError ?? ((err: Error) => process.emitWarning(err));
  const client = new DockerClient(endpoint);
  const abort = new AbortController();
  let lastNano = 0n;
  /** Events handed over at `lastNano` (two may share a time). */
  const atLast = new Set<string>();
  let wait = first;
  let timer: NodeJS.Timeout | null = null;
  let markOpened: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (markOpened = resolve));

  const handle = (line: string): void => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      onError(new MeterkitError(ErrorCode.Docker, `Docker events: a line is not JSON (${line.length} characters): ${(err as Error).message}`, { cause: err }));
      return;
    }
    const parsed = parseContainerEvent(raw);
    if (parsed === null) return;
    // timeNano (about 1.7e18) is past a double's exact range: read its digits from the text
    const exact = /"timeNano":\s*(\d+)/.exec(line);
    const nano = exact === null ? parsed.nano : BigInt(exact[1] as string);
    // after a reconnect `since` repeats the last second: what was handed over is skipped
    const key = `${parsed.event.id} ${parsed.event.action}`;
    if (nano !== 0n && (nano < lastNano || (nano === lastNano && atLast.has(key)))) return;
    if (nano > lastNano) {
      lastNano = nano;
      atLast.clear();
    }
    atLast.add(key);
    options.onEvent(parsed.event);
  };

  const stream = async (): Promise<void> => {
    const v = await client.negotiate(abort.signal);
    // by type only: Podman 4.3.1 matches an event filter against its own names (event=die brings
    // nothing, event=died the die events), so the actions are picked here
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
    const since = lastNano === 0n ? '' : `&since=${lastNano / 1_000_000_000n}`;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ ...endpoint, method: 'GET', path: `/v${v}/events?filters=${filters}${since}`, headers: { Host: 'docker' }, signal: abort.signal }, resolve);
      req.on('error', reject);
      req.end();
    });
    if (res.statusCode !== 200) {
      res.resume();
      throw new MeterkitError(ErrorCode.Docker, `Docker events: GET /events answered ${res.statusCode ?? 0}`);
    }
    wait = first;
    markOpened();
    let pending = '';
    await new Promise<void>((resolve, reject) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          handle(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
        if (Buffer.byteLength(pending) > maxLine) res.destroy(new MeterkitError(ErrorCode.Docker, `Docker events: a line is longer than ${maxLine} bytes (maxLineBytes); reconnecting`));
      });
      res.on('end', resolve);
      res.on('error', reject);
      res.on('close', resolve);
    });
    if (!abort.signal.aborted) throw new MeterkitError(ErrorCode.Docker, 'Docker events: the engine closed the stream; reconnecting');
  };

  const loop = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        await stream();
      } catch (err) {
        if (abort.signal.aborted) break;
        client.reset();
        onError(err instanceof Error ? err : new Error(String(err)));
      }
      if (abort.signal.aborted) break;
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, wait);
        timer.unref();
        abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      wait = Math.min(wait * 2, max);
    }
  };
  const done = loop();

  return {
    url,
    opened,
    async close() {
      abort.abort();
      if (timer !== null) clearTimeout(timer);
      markOpened();
      await done;
    },
  };
}
