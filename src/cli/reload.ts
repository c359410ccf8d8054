/**
 * Config reload (SIGHUP, `POST /-/reload`): the agent re-reads its config file and flags and
 * applies what can change live — proxy servers and backends (with their health checks,
 * strategies and timeouts), notification endpoints, monitor settings, and how /metrics is
 * served (OpenMetrics) — without dropping open proxy connections or queued notifications.
 * What only a restart can change (listen addresses, TLS, the stream, the state directory and
 * queue, remote write, the cluster, …) is left as it was and reported as "needs a restart".
 * A file that fails the check changes nothing. Outcomes are published as Prometheus publishes its own:
 * `meterkit_config_last_reload_successful` and `meterkit_config_last_reload_success_timestamp_seconds`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Recorder } from '../core/recorder.js';
import { Unit } from '../core/units.js';
import type { Broadcaster } from '../notify/index.js';
import type { Monitor } from '../monitor/monitor.js';
import type { Proxy } from '../proxy/index.js';
import type { AgentConfig } from './agent.js';

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
}

/** Settings that only a restart changes, by the name a log line gives them: kept from the running config. */
const KEPT: ReadonlyArray<[string, ReadonlyArray<keyof AgentConfig>]> = [
  ['http.listen', ['listen']],
  ['http.auth', ['auth']],
  ['http.tls', ['tls']],
  ['http.collect_timeout', ['collectTimeout']],
  ['http.max_concurrent', ['maxConcurrent']],
  ['stream', ['stream', 'streamBuffer', 'streamBufferBytes', 'streamInterval']],
  ['process', ['process']],
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

/**
 * Applies `next` over `current` on the running parts; resolves with the config now in force
 * (restart-only settings kept from `current`) and the settings that need a restart.
 * @throws the first step's error when a part refuses its new settings.
 */
export async function applyConfig(current: AgentConfig, next: AgentConfig, parts: ReloadParts): Promise<{ config: AgentConfig; restart: string[] }> {
  const restart = RESTART_ONLY.filter(([, get]) => !same(get(current), get(next))).map(([name]) => name);
  const applied: AgentConfig = { ...next };
  for (const [, keys] of KEPT) for (const k of keys) (applied as Record<string, unknown>)[k] = current[k];
  if (parts.proxy !== null && next.proxy !== undefined) {
    restart.push(...(await parts.proxy.reconfigure(next.proxy.servers, next.proxy.drainTimeout)));
    applied.proxy = { ...next.proxy, naming: current.proxy?.naming ?? next.proxy.naming };
  } else applied.proxy = current.proxy;
  if (parts.notifier !== null && next.notify !== undefined && current.notify !== undefined) {
    await parts.notifier.reconfigure(next.notify.endpoints);
    applied.notify = { ...current.notify, endpoints: next.notify.endpoints };
  } else applied.notify = current.notify;
  if (parts.monitor !== null && next.monitor !== undefined && current.monitor !== undefined) {
    parts.monitor.reconfigure({ checkInterval: next.monitor.checkInterval, detector: next.monitor.detector, peers: next.monitor.peers });
    applied.monitor = { ...next.monitor, nats: current.monitor.nats };
  } else applied.monitor = current.monitor;
  if (next.openMetrics !== current.openMetrics || next.openMetricsCreated !== current.openMetricsCreated) parts.remountMetrics(next.openMetrics === true, next.openMetricsCreated === true);
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
}

/** A reload function: one reload at a time (a second waits for the first), never rejects. */
export function createReloader(o: ReloaderOptions): () => Promise<ReloadOutcome> {
  const gauges = reloadMetrics(o.recorder);
  // as Prometheus: the config loaded at start counts as a successful load
  gauges.succeeded();
  let current = o.initial;
  let chain: Promise<unknown> = Promise.resolve();
  const once = async (): Promise<ReloadOutcome> => {
    try {
      const { config, restart } = await applyConfig(current, o.source(), o.parts);
      current = config;
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
  return () => {
    const p = chain.then(once);
    chain = p;
    return p;
  };
}
