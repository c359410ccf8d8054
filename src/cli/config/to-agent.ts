/**
 * A checked config file as the agent's config, and the rule that flags override the file:
 * a flag given on the command line replaces exactly the key it stands for, the file's other keys
 * (of the same section too) stay; a repeatable flag (`--backend`, `--notify`, `--remote-write`)
 * replaces the whole list it builds. Credentials from the
 * environment (METERKIT_AUTH_TOKEN, …) count as flags.
 */
import type { AgentConfig } from '../agent.js';
import type { ProxyServerOptions } from '../../proxy/index.js';
import { DEFAULT_DRAIN_MS } from '../proxy.js';
import { defaultPeerId } from '../monitor.js';
import { defaultStateDir, parseNotifyQueue, stateDirFlag } from '../notify.js';
import { PROXY_OPTIONS, parseProxySectionFlags } from '../proxy.js';
import { asUsage } from '../usage.js';
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
  if (f.dashboard?.max_clients !== undefined) c.dashboardMaxClients = f.dashboard.max_clients;
  if (f.dashboard?.max_watched !== undefined) c.dashboardMaxWatched = f.dashboard.max_watched;
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

/** Which flags (parseArgs' names) stand for which top-level keys of the agent config. */
const FLAGS_OF: ReadonlyArray<[ReadonlyArray<keyof AgentConfig>, readonly string[]]> = [
  [['listen'], ['listen']],
  [['tls'], ['tls-cert', 'tls-key']],
  [['process'], ['no-process']],
  [['collectTimeout'], ['collect-timeout']],
  [['maxConcurrent'], ['max-concurrent']],
  [['openMetrics'], ['openmetrics']],
  [['openMetricsCreated'], ['openmetrics-created']],
  [['stream'], ['stream', 'no-stream']],
  [['streamBuffer'], ['stream-buffer']],
  [['streamBufferBytes'], ['stream-buffer-bytes']],
  [['streamInterval'], ['stream-interval']],
  [['dashboardMaxClients'], ['dashboard-max-clients']],
  [['dashboardMaxWatched'], ['dashboard-max-watched']],
  [['remoteWrite'], Object.keys(REMOTE_WRITE_OPTIONS)],
  [['cluster'], Object.keys(CLUSTER_OPTIONS)],
];

type Section = 'monitor' | 'proxy' | 'report' | 'notify' | 'docker';

/** The flags of one server of the proxy: together they make the server list (`servers`). */
const SERVER_FLAGS = Object.keys(PROXY_OPTIONS).filter((f) => f !== 'proxy-naming' && f !== 'drain-timeout');
const REPORT_AUTH_FLAGS = ['report-auth-token', 'report-auth-token-file', 'report-basic-auth', 'report-basic-auth-file'];

/**
 * Which flags stand for which keys of a section (`monitor`, `proxy`, …). A section the file does
 * not hold comes whole from the flags; in one it holds, a flag replaces exactly its keys.
 */
const SECTION_KEYS: ReadonlyArray<[Section, readonly string[], readonly string[]]> = [
  ['monitor', ['monitor'], []],
  ['monitor', ['monitor-nats'], ['nats']],
  ['monitor', ['monitor-detector'], ['detector']],
  ['monitor', ['monitor-check-interval'], ['checkInterval']],
  ['monitor', ['monitor-peers'], ['peers']],
  ['proxy', SERVER_FLAGS, ['servers']],
  ['proxy', ['proxy-naming'], ['naming']],
  ['proxy', ['drain-timeout'], ['drainTimeout']],
  ['report', ['report-to'], ['to', 'transport']],
  ['report', ['peer-id'], ['peer']],
  ['report', ['report-interval'], ['interval']],
  ['report', ['report-ttl'], ['ttl']],
  ['report', REPORT_AUTH_FLAGS, ['auth']],
  ['notify', ['notify'], ['endpoints']],
  ['notify', ['notify-queue', 'notify-worker'], ['queue', 'nats', 'role']],
  ['notify', ['state-dir'], ['stateDir']],
  ['docker', ['docker'], ['url']],
  ['docker', ['docker-naming'], ['naming']],
];

/** The flags as parseArgs gave them. */
export type FlagValues = Readonly<Record<string, unknown>>;

/**
 * The file's config with the given flags laid over it: a flag replaces exactly the key it stands
 * for, the file's other keys stay. `parse` turns flags into a config by the command line's rules;
 * it is given, besides the flags, the switch of each section the file holds (`--monitor` for a
 * file's `monitor:`), so that `--monitor-check-interval` alone is valid beside a file's monitor.
 * Credentials from the environment count as flags.
 */
export function overrideWithFlags(file: AgentConfig, given: FlagValues, env: NodeJS.ProcessEnv, parse: (values: FlagValues) => AgentConfig): AgentConfig {
  const has = (f: string): boolean => given[f] !== undefined;
  const implied: Record<string, unknown> = { ...given };
  if (file.monitor !== undefined && !has('monitor') && !has('monitor-nats')) implied.monitor = true;
  if (file.report !== undefined && !has('report-to')) implied['report-to'] = file.report.to;
  if (file.docker !== undefined && !has('docker')) implied.docker = file.docker.url ?? '';
  // a flag's companion may be the file's key: given to the flags' own pairing checks, so that they
  // judge the merge (--tls-key beside the file's tls.cert, --openmetrics-created beside openmetrics: true)
  if (file.tls !== undefined) for (const k of ['cert', 'key'] as const) if (!has(`tls-${k}`)) implied[`tls-${k}`] = file.tls[k];
  if (file.openMetrics === true && !has('openmetrics')) implied.openmetrics = true;
  const notifyQueueGiven = has('notify-queue') || has('notify-worker');
  // the queue flags beside the file's endpoints: parsed with the file's queue keys (a worker needs NATS)
  if (file.notify !== undefined && !has('notify')) {
    delete implied['notify-queue'];
    delete implied['notify-worker'];
  }
  const serverGiven = SERVER_FLAGS.some(has);
  // the whole proxy's keys beside a file's servers: parsed alone (a server needs --proxy-bind)
  if (file.proxy !== undefined && !serverGiven) {
    delete implied['proxy-naming'];
    delete implied['drain-timeout'];
  }
  const flags = parse(implied);
  if (file.proxy !== undefined && !serverGiven) flags.proxy = { servers: [], ...parseProxySectionFlags(given) };
  if (file.notify !== undefined && flags.notify === undefined) {
    const n = file.notify;
    const queue = notifyQueueGiven ? parseNotifyQueue((given['notify-queue'] as string | undefined) ?? (n.queue === 'nats' ? n.nats : n.queue), (given['notify-worker'] as boolean | undefined) ?? n.role === 'worker') : {};
    flags.notify = { ...n, ...queue, stateDir: stateDirFlag(given['state-dir'] as string | undefined, env) };
  }
  const out: AgentConfig = { ...file };
  const set = out as Record<string, unknown>;
  for (const [keys, names] of FLAGS_OF) {
    if (!names.some(has)) continue;
    for (const k of keys) {
      if (flags[k] === undefined) delete set[k];
      else set[k] = flags[k];
    }
  }
  for (const section of ['monitor', 'proxy', 'report', 'notify', 'docker'] as const) {
    const rows = SECTION_KEYS.filter(([s]) => s === section);
    const from = flags[section] as Record<string, unknown> | undefined;
    if (file[section] === undefined) {
      if (rows.some(([, names]) => names.some(has))) set[section] = from;
      continue;
    }
    if (from === undefined) continue;
    const merged: Record<string, unknown> = { ...(file[section] as unknown as Record<string, unknown>) };
    for (const [, names, keys] of rows) {
      // the reporter's credentials may come from the environment: they count as flags
      const taken = names.some(has) || (section === 'report' && keys.includes('auth') && from.auth !== undefined);
      if (taken) for (const k of keys) merged[k] = from[k];
    }
    // the flags' one server replaces the file's server of its name, or joins the file's servers
    if (section === 'proxy' && serverGiven) merged.servers = withServer(file.proxy?.servers ?? [], flags.proxy?.servers ?? []);
    set[section] = merged;
  }
  if (out.report !== undefined) {
    const r = out.report;
    // interval and ttl are one rule together: checked again when a flag changed one of them
    Object.assign(r, asUsage(() => reportTiming(r.interval, r.ttl, { interval: '--report-interval', ttl: '--report-ttl' })));
  }
  // flags, files or variables: the command line's credentials replace the file's
  if (flags.auth !== undefined) out.auth = flags.auth;
  return out;
}

/** `servers` with each of `given` in place of the one of its name, or added after them. */
function withServer(servers: readonly ProxyServerOptions[], given: readonly ProxyServerOptions[]): ProxyServerOptions[] {
  const out = [...servers];
  for (const g of given) {
    const i = out.findIndex((s) => s.name === g.name);
    if (i < 0) out.push(g);
    else out[i] = g;
  }
  return out;
}
