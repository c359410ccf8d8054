/**
 * A checked config file as the agent's config, and the rule that flags override the file:
 * a flag given on the command line replaces the key(s) it stands for; a repeatable flag
 * (`--backend`, `--notify`, `--remote-write`) replaces the whole list it builds. Credentials from the
 * environment (METERKIT_AUTH_TOKEN, …) count as flags.
 */
import type { AgentConfig } from '../agent.js';
import { DEFAULT_DRAIN_MS } from '../proxy.js';
import { defaultPeerId } from '../monitor.js';
import { defaultStateDir } from '../notify.js';
import { reportTiming } from '../../monitor/reporter.js';
import type { FileConfig } from './schema.js';
import { CLUSTER_OPTIONS, defaultClusterWorkers } from '../cluster.js';
import { REMOTE_WRITE_OPTIONS } from '../remote-write.js';

/** The agent config a checked file stands for (the defaults are the flags' defaults). */
export function fileToAgent(f: FileConfig, env: NodeJS.ProcessEnv): AgentConfig {
  const h = f.http ?? {};
  const c: AgentConfig = { listen: h.listen, process: f.process?.enabled !== false };
  if (h.auth !== undefined) c.auth = h.auth;
  if (h.tls !== undefined) c.tls = { cert: h.tls.cert, key: h.tls.key };
  if (h.collect_timeout !== undefined) c.collectTimeout = h.collect_timeout;
  if (h.max_concurrent !== undefined) c.maxConcurrent = h.max_concurrent;
  if (h.openmetrics === true) c.openMetrics = true;
  if (h.openmetrics_created === true) c.openMetricsCreated = true;
  const s = f.stream ?? {};
  if (s.enabled !== false) c.stream = s.listen ?? '127.0.0.1:5000';
  if (s.buffer !== undefined) c.streamBuffer = s.buffer;
  if (s.buffer_bytes !== undefined) c.streamBufferBytes = s.buffer_bytes;
  if (s.interval !== undefined) c.streamInterval = s.interval;
  if (f.docker !== undefined) c.docker = { url: f.docker.url, naming: f.docker.naming ?? 'docker' };
  if (f.proxy !== undefined) c.proxy = { servers: f.proxy.servers, naming: f.proxy.naming ?? 'meterkit', drainTimeout: f.proxy.drain_timeout ?? DEFAULT_DRAIN_MS };
  if (f.monitor !== undefined) c.monitor = { detector: { kind: f.monitor.detector ?? 'ttl' }, checkInterval: f.monitor.check_interval, peers: f.monitor.peers, nats: f.monitor.nats };
  if (f.report !== undefined) {
    const r = f.report;
    const { interval, ttl } = reportTiming(r.interval, r.ttl, { interval: 'report.interval', ttl: 'report.ttl' });
    const transport = r.to.startsWith('nats:') ? 'nats' : 'http';
    c.report = { to: r.to, transport, peer: r.peer_id ?? defaultPeerId(), interval, ttl };
    if (r.auth !== undefined) c.report.auth = r.auth;
  }
  if (f.notify !== undefined) {
    const n = f.notify;
    const q = n.queue ?? 'sqlite';
    const nats = q.startsWith('nats:') ? q : undefined;
    c.notify = { endpoints: n.endpoints, queue: nats === undefined ? (q as 'sqlite' | 'memory') : 'nats', stateDir: n.state_dir ?? defaultStateDir(env), role: nats === undefined ? 'both' : n.worker === true ? 'worker' : 'producer' };
    if (nats !== undefined) c.notify.nats = nats;
  }
  if (f.remote_write !== undefined) c.remoteWrite = f.remote_write;
  if (f.cluster !== undefined) c.cluster = { file: f.cluster.file, workers: f.cluster.workers ?? defaultClusterWorkers() };
  return c;
}

/** Which flags (parseArgs' names) stand for which part of the agent config. */
const FLAGS_OF: ReadonlyArray<[ReadonlyArray<keyof AgentConfig>, readonly string[]]> = [
  [['listen'], ['listen']],
  [['tls'], ['tls-cert', 'tls-key']],
  [['process'], ['no-process']],
  [['collectTimeout'], ['collect-timeout']],
  [['maxConcurrent'], ['max-concurrent']],
  [['openMetrics', 'openMetricsCreated'], ['openmetrics', 'openmetrics-created']],
  [['stream'], ['stream', 'no-stream']],
  [['streamBuffer'], ['stream-buffer']],
  [['streamBufferBytes'], ['stream-buffer-bytes']],
  [['streamInterval'], ['stream-interval']],
  [['docker'], ['docker', 'docker-naming']],
  [['proxy'], ['proxy-bind']],
  [['monitor'], ['monitor', 'monitor-nats']],
  [['report'], ['report-to']],
  [['notify'], ['notify']],
  [['remoteWrite'], Object.keys(REMOTE_WRITE_OPTIONS)],
  [['cluster'], Object.keys(CLUSTER_OPTIONS)],
];

/**
 * The file's config with the given flags laid over it. `flags` is what the command line alone
 * made of them; `given` holds the flags actually given (parseArgs' values).
 */
export function overrideWithFlags(file: AgentConfig, flags: AgentConfig, given: Readonly<Record<string, unknown>>): AgentConfig {
  const out: AgentConfig = { ...file };
  const set = out as Record<string, unknown>;
  for (const [keys, names] of FLAGS_OF) {
    if (!names.some((n) => given[n] !== undefined)) continue;
    for (const k of keys) {
      if (flags[k] === undefined) delete set[k];
      else set[k] = flags[k];
    }
  }
  // flags, files or variables: the command line's credentials replace the file's
  if (flags.auth !== undefined) out.auth = flags.auth;
  return out;
}
