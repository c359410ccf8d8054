/**
 * Config reload (SIGHUP, `POST /-/reload`): the agent re-reads its config file and flags and
 * applies what can change live — proxy servers and backends (with their health checks,
 * strategies and timeouts), notification endpoints, monitor settings, and how scrapes are
 * served (OpenMetrics, `collect_timeout`, `max_concurrent`; from the next request on) — without dropping open proxy connections or queued notifications.
 * What only a restart can change (listen addresses, TLS, the stream, the state directory and
 * queue, remote write, the cluster, …) is left as it was and reported as "needs a restart".
 * All or nothing: a file that fails the check changes nothing, every part's new settings are
 * checked before any part changes, and a part that refuses them puts back those already changed. Outcomes are published as Prometheus publishes its own:
 * `meterkit_config_last_reload_successful` and `meterkit_config_last_reload_success_timestamp_seconds`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Recorder } from '../core/recorder.js';
import { Unit } from '../core/units.js';
import type { Broadcaster } from '../notify/index.js';
import type { Monitor } from '../monitor/monitor.js';
import type { Proxy } from '../proxy/index.js';
import type { AgentConfig } from './agent.js';
import type { MonitorConfig } from './monitor.js';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration, checkWhole } from '../core/options.js';
import { resolveEndpointConfig } from '../notify/index.js';
import { resolveOptions } from '../monitor/options.js';

/** The gauge that is 1 when the last reload succeeded (Prometheus: prometheus_config_last_reload_successful). */
export const RELOAD_SUCCESSFUL = 'meterkit_config_last_reload_successful';
/** Unix time of the last successful reload, or of the start (Prometheus: …_success_timestamp_seconds). */
export const RELOAD_SUCCESS_TIMESTAMP = 'meterkit_config_last_reload_success_timestamp_seconds';

/** What a reload did. */
export interface ReloadOutcome {
  ok: boolean;
  /** Settings that changed in the file but need a restart (left as they were). */
  restart: string[];
  /** Why it failed (ok false): the file's problems or the step that failed. */
  error?: string;
}

/** The running parts a reload changes. */
export interface ReloadParts {
  proxy: Proxy | null;
  notifier: Broadcaster | null;
  monitor: Monitor | null;
  /** Mounts /metrics again with new serving options. */
  remountMetrics(openMetrics: boolean, created: boolean): void;
  /** How scrapes are served: read per request, so a change holds from the next one. */
  scrape?: ScrapeSettings;
}

/** The scrape settings a reload changes live (`undefined`: the default). */
export interface ScrapeSettings {
  /** `http.collect_timeout`: how long a scrape waits for collectors. */
  setCollectTimeout(ms: number | undefined): void;
  /** `http.max_concurrent`: scrapes served at once. */
  setMaxConcurrent(n: number | undefined): void;
}

/** Settings that only a restart changes, by the name a log line gives them: kept from the running config. */
const KEPT: ReadonlyArray<[string, ReadonlyArray<keyof AgentConfig>]> = [
  ['http.listen', ['listen']],
  ['http.auth', ['auth']],
  ['http.tls', ['tls']],
  ['stream', ['stream', 'streamBuffer', 'streamBufferBytes', 'streamInterval']],
  ['process', ['process']],
  ['dashboard', ['dashboardMaxClients', 'dashboardMaxWatched']],
  ['docker', ['docker']],
  ['report', ['report']],
  // each writer holds a buffer and its own metrics under its name: swapping writers live would
  // drop or duplicate what is buffered, so a change waits for a restart
  ['remote_write', ['remoteWrite']],
  ['cluster', ['cluster']],
];

/** Parts of the live features that only a restart changes (the feature keeps its own). */
const RESTART_ONLY: ReadonlyArray<[string, (c: AgentConfig) => unknown]> = [
  ...KEPT.map(([name, keys]): [string, (c: AgentConfig) => unknown] => [name, (c) => keys.map((k) => c[k])]),
  ['proxy (on/off)', (c) => c.proxy === undefined],
  ['proxy.naming', (c) => c.proxy?.naming],
  ['monitor (on/off)', (c) => c.monitor === undefined],
  ['monitor.nats', (c) => c.monitor?.nats],
  ['notify (on/off)', (c) => c.notify === undefined],
  ['notify.queue', (c) => [c.notify?.queue, c.notify?.nats, c.notify?.role]],
  ['notify.state_dir', (c) => c.notify?.stateDir],
];

function same(a: unknown, b: unknown): boolean {
  const text = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x instanceof RegExp ? x.toString() : x)) ?? 'undefined';
  return text(a) === text(b);
}

/** One part's change, prepared (checked) and not yet applied. */
interface Step {
  /** Applies the change; resolves with what of it needs a restart. */
  commit(): Promise<readonly string[]>;
  /** Puts the part back as it was before {@link commit}. */
  undo(): Promise<void>;
}

/** Names must be unique within a list (servers, endpoints): the parts' own rule, checked before any applies. */
function uniqueNames(what: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new MeterkitError(ErrorCode.InvalidArgument, `${what} ${describeValue(n)} is given twice: names are unique`);
    seen.add(n);
  }
}

/**
 * Phase one: checks every part's new settings by the part's own rules and returns the steps
 * that apply them; nothing is applied yet, so a bad setting anywhere changes nothing.
 */
function prepare(current: AgentConfig, next: AgentConfig, parts: ReloadParts): { steps: Step[]; applied: AgentConfig } {
  const steps: Step[] = [];
  const applied: AgentConfig = { ...next };
  for (const [, keys] of KEPT) for (const k of keys) (applied as Record<string, unknown>)[k] = current[k];
  const proxy = parts.proxy;
  const was = current.proxy;
  if (proxy !== null && next.proxy !== undefined && was !== undefined) {
    const to = next.proxy;
    // every server's own rules (the draining rule included), before any part changes
    proxy.check(to.servers);
    steps.push({
      commit: () => proxy.reconfigure(to.servers, to.drainTimeout),
      // a backend the commit removed may still have open connections: it comes back as it was
      undo: async () => void (await proxy.reconfigure(was.servers, was.drainTimeout, { revive: true })),
    });
    applied.proxy = { ...to, naming: was.naming };
  } else applied.proxy = current.proxy;
  const notifier = parts.notifier;
  const had = current.notify;
  if (notifier !== null && next.notify !== undefined && had !== undefined) {
    const endpoints = next.notify.endpoints;
    uniqueNames('notify endpoint', endpoints.map((e) => resolveEndpointConfig(e).name));
    steps.push({ commit: async () => (await notifier.reconfigure(endpoints), []), undo: () => notifier.reconfigure(had.endpoints) });
    applied.notify = { ...had, endpoints };
  } else applied.notify = current.notify;
  const monitor = parts.monitor;
  const watched = current.monitor;
  if (monitor !== null && next.monitor !== undefined && watched !== undefined) {
    const m = next.monitor;
    resolveOptions({ checkInterval: m.checkInterval, detector: m.detector, peers: m.peers });
    const set = (c: MonitorConfig) => monitor.reconfigure({ checkInterval: c.checkInterval, detector: c.detector, peers: c.peers });
    steps.push({ commit: () => (set(m), Promise.resolve([])), undo: () => Promise.resolve(set(watched)) });
    applied.monitor = { ...m, nats: watched.nats };
  } else applied.monitor = current.monitor;
  const scrape = parts.scrape;
  if (scrape !== undefined && (next.collectTimeout !== current.collectTimeout || next.maxConcurrent !== current.maxConcurrent)) {
    // the setters' own rules, run before any part changes
    if (next.collectTimeout !== undefined) checkDuration('collect_timeout', next.collectTimeout);
    if (next.maxConcurrent !== undefined) checkWhole('max_concurrent', next.maxConcurrent);
    const set = (c: AgentConfig): void => {
      scrape.setCollectTimeout(c.collectTimeout);
      scrape.setMaxConcurrent(c.maxConcurrent);
    };
    steps.push({ commit: () => (set(next), Promise.resolve([])), undo: () => Promise.resolve(set(current)) });
  } else {
    applied.collectTimeout = current.collectTimeout;
    applied.maxConcurrent = current.maxConcurrent;
  }
  if (next.openMetrics !== current.openMetrics || next.openMetricsCreated !== current.openMetricsCreated) {
    const mount = (c: AgentConfig) => Promise.resolve(parts.remountMetrics(c.openMetrics === true, c.openMetricsCreated === true));
    steps.push({ commit: async () => (await mount(next), []), undo: () => mount(current) });
  }
  return { steps, applied };
}

/**
 * Applies `next` over `current` on the running parts, all or nothing: every part's settings are
 * checked first (phase one), then applied in turn (phase two); when a part refuses its settings
 * while applying, the parts already changed are put back as they were, and the error is thrown.
 * Resolves with the config now in force (restart-only settings kept from `current`) and the
 * settings that need a restart.
 * @throws the failing step's error (the running config unchanged).
 */
export async function applyConfig(current: AgentConfig, next: AgentConfig, parts: ReloadParts): Promise<{ config: AgentConfig; restart: string[] }> {
  const restart = RESTART_ONLY.filter(([, get]) => !same(get(current), get(next))).map(([name]) => name);
  const { steps, applied } = prepare(current, next, parts);
  const done: Step[] = [];
  try {
    for (const step of steps) {
      restart.push(...(await step.commit()));
      done.push(step);
    }
  } catch (err) {
    const undoFailed: string[] = [];
    for (const step of done.reverse()) {
      await step.undo().catch((e: unknown) => void undoFailed.push(e instanceof Error ? e.message : String(e)));
    }
    if (undoFailed.length === 0) throw err;
    throw new MeterkitError(ErrorCode.InvalidConfig, `${err instanceof Error ? err.message : String(err)}; putting back the running config failed too: ${undoFailed.join('; ')}`, { cause: err });
  }
  return { config: applied, restart };
}

/** The reload gauges on `recorder`; `succeeded` sets both, `failed` only the first. */
export function reloadMetrics(recorder: Recorder, now: () => number = Date.now): { succeeded(): void; failed(): void } {
  recorder.describeGauge(RELOAD_SUCCESSFUL, undefined, 'Whether the last configuration reload attempt was successful.');
  recorder.describeGauge(RELOAD_SUCCESS_TIMESTAMP, Unit.Seconds, 'Timestamp of the last successful configuration reload.');
  const ok = recorder.registerGauge(RELOAD_SUCCESSFUL);
  const at = recorder.registerGauge(RELOAD_SUCCESS_TIMESTAMP);
  return {
    succeeded: () => {
      ok.set(1);
      at.set(now() / 1000);
    },
    failed: () => ok.set(0),
  };
}

/** `POST /-/reload`: 200 with what needs a restart, 500 with why it failed; other methods 405. */
export function reloadHandler(reload: () => Promise<ReloadOutcome>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' }).end('use POST to reload the config\n');
      return;
    }
    req.resume();
    const r = await reload();
    res.writeHead(r.ok ? 200 : 500, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(r)}\n`);
  };
}

/** What {@link createReloader} needs. */
export interface ReloaderOptions {
  /** The config the agent started with. */
  initial: AgentConfig;
  /** Reads the config again (file and flags); throws when it does not pass the check. */
  source: () => AgentConfig;
  parts: ReloadParts;
  /** Where the reload gauges go. */
  recorder: Recorder;
  log: (line: string) => void;
  /** Hears the config in force after each successful reload (the agent's close() drains with it). */
  onApplied?: (config: AgentConfig) => void;
  /** True once the agent is closing: a reload then changes nothing and says so. */
  closing?: () => boolean;
}

/**
 * A reload function that never rejects: one reload runs at a time, and at most one more waits.
 * A call while one runs asks for the waiting one (it reads the file after the running one is
 * done, so it sees every edit made before the call); every call made while that one waits
 * shares its outcome. A burst of SIGHUPs or POSTs is two reloads, not a queue.
 */
export function createReloader(o: ReloaderOptions): () => Promise<ReloadOutcome> {
  const gauges = reloadMetrics(o.recorder);
  // as Prometheus: the config loaded at start counts as a successful load
  gauges.succeeded();
  let current = o.initial;
  const once = async (): Promise<ReloadOutcome> => {
    if (o.closing?.() === true) {
      const error = 'the agent is closing: the config was not reloaded';
      o.log(`meterkit agent: ${error}`);
      return { ok: false, restart: [], error };
    }
    try {
      const { config, restart } = await applyConfig(current, o.source(), o.parts);
      current = config;
      o.onApplied?.(config);
      gauges.succeeded();
      o.log(`meterkit agent: config reloaded${restart.length === 0 ? '' : `; these changes need a restart and were left as they were: ${restart.join(', ')}`}`);
      return { ok: true, restart };
    } catch (err) {
      gauges.failed();
      const error = err instanceof Error ? err.message : String(err);
      o.log(`meterkit agent: config reload failed, the running config is kept: ${error}`);
      return { ok: false, restart: [], error };
    }
  };
  let running: Promise<ReloadOutcome> | null = null;
  let waiting: Promise<ReloadOutcome> | null = null;
  const run = (): Promise<ReloadOutcome> => {
    const p = once().finally(() => {
      if (running === p) running = null;
    });
    running = p;
    return p;
  };
  return () => {
    if (running === null) return run();
    waiting ??= running.then(() => {
      waiting = null;
      return run();
    });
    return waiting;
  };
}
