import { readFileSync } from 'node:fs';
import { Registry } from '../core/registry.js';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { ProcessCollector } from '../collectors/process/index.js';
import { collectProcessMetrics } from '../collectors/process/index.js';
import type { AuthOptions } from '../http/auth.js';
import { createHealthHandler } from '../http/health.js';
import { HttpServer } from '../http/server.js';
import { parseHostPort } from '../core/address.js';
import { checkDuration } from '../core/options.js';
import { createJsonHandler } from '../json/index.js';
import { createMetricsHandler } from '../prometheus/handler.js';
import { FanoutRecorder } from '../core/layers/fanout.js';
import type { TcpRecorder } from '../tcp/recorder.js';
import { TcpBuilder } from '../tcp/builder.js';
import { collectDockerMetrics } from '../collectors/docker/collector.js';
import { Proxy, createProxyApi } from '../proxy/index.js';
import type { ProxyConfig } from './proxy.js';
import type { MonitorConfig, ReportConfig } from './monitor.js';
import type { MonitorParts } from './monitor-agent.js';
import { startMonitorParts } from './monitor-agent.js';
import type { Monitor } from '../monitor/monitor.js';
import type { Reporter } from '../monitor/reporter.js';
import type { DockerNaming } from '../collectors/docker/tracker.js';
import { followDockerEvents } from '../collectors/docker/events.js';
import type { DockerEventsFollower } from '../collectors/docker/events.js';
import { hostname } from 'node:os';
import type { Broadcaster } from '../notify/index.js';
import { openBroadcaster } from '../notify/index.js';
import { isSecretFlag, redactArgv } from '../json/index.js';
import { redactUrl } from '../core/redact.js';
import type { NotifyConfig } from './notify.js';
import { redactNotifyArgv } from './notify.js';
import { NOTIFY_HTTP_BASE, createNotifyApi } from './notify-api.js';
import type { Publish } from './notify-sources.js';
import { mountDashboard } from './dashboard.js';
import { backendEvent, containerEvent, publisher } from './notify-sources.js';
import type { ClusterConfig, ClusterPrimary } from './cluster.js';
import { startClusterPrimary } from './cluster.js';
import type { RemoteWriteConfig } from './remote-write.js';
import { REMOTE_WRITE_SECRET_FLAGS, closeRemoteWriters, redactRemoteWriteArgv, remoteWriteLogLine, remoteWriters } from './remote-write.js';
import type { RemoteWriter } from '../remote-write/index.js';
import type { ReloadOutcome } from './reload.js';
import { createReloader, reloadHandler } from './reload.js';

/** Settings of a running agent (what the command line turns into). */
export interface AgentConfig {
  /** host:port to serve HTTP on. Default 127.0.0.1:9464. */
  listen?: string;
  auth?: AuthOptions;
  /** PEM file paths. */
  tls?: { cert: string; key: string };
  /** Collect process and runtime metrics. Default true. */
  process?: boolean;
  /** Scrape inline timeout for collectors, ms. Default 10 000. */
  collectTimeout?: number;
  /** host:port of the live TCP stream; undefined: no stream. (The CLI's default is 127.0.0.1:5000.) */
  stream?: string;
  /** Events the stream's ingress and each client queue hold. Default 1024. */
  streamBuffer?: number;
  /** Bytes the stream's ingress and each client queue hold. Default 4 MiB. */
  streamBufferBytes?: number;
  /** How often process metrics are recorded for stream clients, ms. Default 1000. */
  streamInterval?: number;
  /** Scrapes (requests on /metrics and /debug/vars) served at once; more get 503. Default 16. */
  maxConcurrent?: number;
  /** Collect container metrics from a Docker engine (url undefined: DOCKER_HOST or the default socket). */
  docker?: { url?: string; naming?: DockerNaming };
  /** Dashboard event streams (SSE clients) open at once; more get 503. Default 4. */
  dashboardMaxClients?: number;
  /** Series the dashboard watches at once (history kept for each). Default 64. */
  dashboardMaxWatched?: number;
  /** Where log lines go. Default stderr. */
  log?: (line: string) => void;
  /** Offer OpenMetrics on /metrics (`--openmetrics`). Default false. */
  openMetrics?: boolean;
  /** `_created` samples in OpenMetrics (`--openmetrics-created`). Default false. */
  openMetricsCreated?: boolean;
  /** Run the TCP load balancer (`meterkit proxy`, `--proxy-bind`). */
  proxy?: ProxyConfig;
  /** Run the peer monitor (`--monitor`): HTTP transport, alerts logged. */
  monitor?: MonitorConfig;
  /** Report this agent's heartbeat and informers to a monitor (`--report-to`). */
  report?: ReportConfig;
  /** meterkit's version (gobetween_build_info in gobetween naming). */
  version?: string;
  /** Deliver notifications (`--notify`): the agent's own events and POST /notify/v1/events. */
  notify?: NotifyConfig;
  /** Be a node:cluster primary (`--cluster`): fork workers and serve the merge of their metrics. */
  cluster?: ClusterConfig;
  /** Push every series to these remote-write receivers (`--remote-write`). */
  remoteWrite?: RemoteWriteConfig[];
  /**
   * Reads the config again (`--config`: the file and the flags); given, the agent reloads on
   * {@link Agent.reload} and `POST /-/reload` (see reload.ts). Throws when the file fails the check.
   */
  reloadSource?: () => AgentConfig;
}

/** A running agent. */
export interface Agent {
  readonly registry: Registry;
  /** Base URL of the HTTP endpoint. */
  readonly url: string;
  /** The stream exporter, when streaming. */
  readonly stream: TcpRecorder | null;
  /** The load balancer, when proxying. */
  readonly proxy: Proxy | null;
  /** The peer monitor, with `--monitor`. */
  readonly monitor: Monitor | null;
  /** The reporter, with `--report-to`. */
  readonly reporter: Reporter | null;
  /** The notification broadcaster, with `--notify`. */
  readonly notifier: Broadcaster | null;
  /** The forked workers and their aggregator, with `--cluster`. */
  readonly cluster: ClusterPrimary | null;
  /** The remote writers, one per `--remote-write` URL. */
  readonly remoteWriters: readonly RemoteWriter[];
  /** Re-reads the config (with `reloadSource`) and applies what can change live; never rejects. */
  reload(): Promise<ReloadOutcome>;
  /** Stops everything (the proxy first: it stops accepting and drains). */
  close(): Promise<void>;
}

/** Reads a PEM file; a coded error naming the file when it cannot. */
export function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new MeterkitError(ErrorCode.InvalidTls, `cannot read ${what} file "${path}": ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Starts the agent: a registry, the process collector, the stream and the HTTP endpoints.
 * Every option is checked before anything listens; when a later step fails (a port in use),
 * whatever had started is closed before the error is thrown.
 */
export async function startAgent(config: AgentConfig = {}): Promise<Agent> {
  const log = config.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { host, port } = parseHostPort(config.listen ?? '127.0.0.1:9464', '--listen address');
  if (config.stream !== undefined) parseHostPort(config.stream, 'stream address');
  const interval = config.streamInterval === undefined ? 1000 : checkDuration('streamInterval', config.streamInterval);
  const tls = config.tls
    ? { cert: readPem(config.tls.cert, 'TLS certificate'), key: readPem(config.tls.key, 'TLS key'), source: `certificate "${config.tls.cert}", key "${config.tls.key}"` }
    : undefined;
  const registry = new Registry({
    // the one inline-timeout policy for every collector, Docker included
    collectTimeout: config.collectTimeout,
    onCollectorError: (name, err) => log(`meterkit: collector "${name}" failed: ${err instanceof Error ? err.message : String(err)}`),
  });
  // built (TLS and options checked) before anything starts, so a bad option leaves nothing behind
  const server = new HttpServer({ host, port, tls, auth: config.auth, maxConcurrent: config.maxConcurrent, metrics: registry, onError: (err) => log(`meterkit: request failed: ${String(err)}`) });
  // they push what /metrics serves: on a cluster primary, the merge of its workers' metrics
  const pushed = { families: () => (primary?.aggregator ?? registry).families(), collect: () => (primary?.aggregator ?? registry).collect() };
  const writers = await remoteWriters(config.remoteWrite ?? [], pushed, registry, log);
  const docker = config.docker ? collectDockerMetrics(registry, { url: config.docker.url, naming: config.docker.naming, log }) : null;
  let notifier: Broadcaster | null = null;
  let publish: Publish | null = null;
  let dockerEvents: DockerEventsFollower | null = null;
  let stream: TcpRecorder | null = null;
  let processCollector: ProcessCollector | null = null;
  let ticker: NodeJS.Timeout | null = null;
  // a --notify spec may hold a secret or a header value: the published command line hides them
  const vars = createJsonHandler(registry, {
    cmdline: config.notify || config.remoteWrite ? redactRemoteWriteArgv(redactNotifyArgv(redactArgv(process.argv, (f) => isSecretFlag(f) || REMOTE_WRITE_SECRET_FLAGS.includes(f)))) : undefined,
    extra: () => (notifier === null ? {} : { notifications: notifier.vars() }),
  });
  let proxy: Proxy | null = null;
  let reload = (): Promise<ReloadOutcome> => Promise.resolve({ ok: false, restart: [], error: 'no config file to reload (start the agent with --config FILE)' });
  let monitoring: MonitorParts | null = null;
  let primary: ClusterPrimary | null = null;
  let dashboard: { close(): Promise<void> } | null = null;
  // the drain timeout in force: a reload may change it
  let drainTimeout = config.proxy?.drainTimeout ?? 0;
  let closing = false;
  const close = async (): Promise<void> => {
    // a reload from now on changes nothing (the proxy refuses one already under way)
    closing = true;
    // first, at once: stop accepting proxy clients; open connections get the drain timeout while
    // the rest closes and /metrics still answers (awaited below)
    const draining = proxy?.close(drainTimeout);
    await dashboard?.close();
    // the last heartbeat goes before anything else stops; the monitor stops judging
    await monitoring?.close();
    // early: each writer's last snapshot reads every collector before they stop
    await closeRemoteWriters(writers);
    await draining;
    if (ticker !== null) clearInterval(ticker);
    await vars.close();
    await processCollector?.close();
    // first: aborts the engine calls a scrape may be waiting on, so the server closes at once
    await docker?.close();
    await dockerEvents?.close();
    await server.close();
    await primary?.close();
    // last of the producers gone: what was accepted is in the queue (kept on disk for the next run)
    await notifier?.close();
    await stream?.close();
    await registry.close();
  };
  try {
    if (config.notify !== undefined) {
      const n = config.notify;
      const role = n.role ?? (n.queue === 'nats' ? 'producer' : 'both');
      const nb = await openBroadcaster({
        queue: n.queue,
        stateDir: n.stateDir,
        nats: n.nats === undefined ? undefined : { servers: n.nats },
        // a producer in front of JetStream only appends; its workers deliver
        deliver: role !== 'producer',
        endpoints: n.endpoints,
        // the address given to --listen (port 0 is picked later: then the host alone)
        source: { instance: hostname(), addr: port === 0 ? host : `${host}:${port}` },
        recorder: registry,
        onError: (err) => log(`meterkit notify: ${err.message}`),
      });
      notifier = nb;
      // a worker takes no events: it delivers what producers queued
      if (role !== 'worker') publish = publisher(nb, log);
      server.routeTree(NOTIFY_HTTP_BASE, createNotifyApi(nb, { ingest: role !== 'worker' }));
      if (config.docker !== undefined && publish !== null) {
        const p = publish;
        dockerEvents = followDockerEvents({ url: config.docker.url, onEvent: (e) => p(containerEvent(e)), onError: (err) => log(`meterkit notify: ${err.message}`) });
      }
    }
    if (config.stream !== undefined) {
      const b = new TcpBuilder().listenAddress(config.stream).selfMetrics(registry);
      if (config.streamBuffer !== undefined) b.bufferSize(config.streamBuffer);
      if (config.streamBufferBytes !== undefined) b.bufferBytes(config.streamBufferBytes);
      stream = await b.build();
    }
    if (config.process !== false) {
      // with a stream, process metrics go to both, and are read every second so clients see them move
      processCollector = collectProcessMetrics(registry, stream ? { recorder: new FanoutRecorder([registry, stream]) } : {});
      if (stream !== null) {
        const pc = processCollector;
        // said once per episode (the first failure after a success), as the registry does for
        // its collectors: a lasting failure must not write a line every tick
        let failing = false;
        const tick = (): Promise<void> =>
          pc.collect().then(
            () => void (failing = false),
            (err: unknown) => {
              if (!failing) log(`meterkit: process metrics for the stream failed: ${err instanceof Error ? err.message : String(err)}`);
              failing = true;
            },
          );
        ticker = setInterval(() => void tick(), interval);
        ticker.unref();
      }
    }
    if (config.proxy !== undefined) {
      // the proxy's figures go where every metric goes: /metrics, /debug/vars and the stream
      const p = publish;
      proxy = new Proxy({
        metrics: stream ? new FanoutRecorder([registry, stream]) : registry,
        naming: config.proxy.naming,
        version: config.version,
        onLiveChange: p === null ? undefined : (s, b) => p(backendEvent(s, b)),
      });
      for (const o of config.proxy.servers) await proxy.addServer(o);
      server.routeTree('/servers', createProxyApi(proxy));
    }
    if (config.monitor !== undefined || config.report !== undefined) {
      const recorder = stream ? new FanoutRecorder([registry, stream]) : registry;
      monitoring = await startMonitorParts(config.monitor, config.report, { server, recorder, auth: config.auth, log, publish });
    }
    if (config.cluster !== undefined) primary = startClusterPrimary(config.cluster, registry, log);
    const mountMetrics = (openMetrics: boolean | undefined, created: boolean | undefined): void => void server.route('/metrics', createMetricsHandler(primary?.aggregator ?? registry, { openMetrics, created }));
    mountMetrics(config.openMetrics, config.openMetricsCreated);
    if (config.reloadSource !== undefined) {
      const scrape = { setCollectTimeout: (ms: number | undefined) => registry.setCollectTimeout(ms), setMaxConcurrent: (n: number | undefined) => server.setMaxConcurrent(n) };
      const parts = { proxy, notifier, monitor: monitoring?.monitor ?? null, remountMetrics: mountMetrics, scrape };
      const onApplied = (c: AgentConfig): void => void (drainTimeout = c.proxy?.drainTimeout ?? 0);
      reload = createReloader({ initial: config, source: config.reloadSource, parts, recorder: registry, log, onApplied, closing: () => closing });
      server.route('/-/reload', reloadHandler(reload));
    }
    server.route('/debug/vars', vars);
    server.route('/healthz', createHealthHandler());
    const pc = processCollector;
    const features = { process: pc !== null, docker: docker !== null, proxy: proxy !== null, monitor: (monitoring?.monitor ?? null) !== null, notify: notifier !== null, stream: stream !== null, version: config.version };
    dashboard = mountDashboard(server, registry, () => features, { beforeSample: pc === null ? undefined : () => pc.collect(), log, maxClients: config.dashboardMaxClients, maxWatched: config.dashboardMaxWatched });
    await server.listen();
  } catch (err) {
    await close();
    throw err;
  }
  const url = server.url();
  log(`meterkit agent: serving ${url}/metrics, ${url}/debug/vars, ${url}/healthz and the dashboard at ${url}/${config.auth ? ' (auth required)' : ''}`);
  if (docker !== null) log(`meterkit agent: container metrics from ${docker.url}`);
  for (const p of proxy?.servers() ?? []) {
    const a = p.boundAddress();
    const where = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    log(`meterkit agent: proxy "${p.name}" on ${where} → ${p.backends().map((b) => b.key).join(', ')} (${p.settings.strategy}); REST API at ${url}/servers`);
  }
  if (stream !== null) {
    const a = stream.address();
    log(`meterkit agent: streaming on tcp://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port} (meterkit observe ${a.address}:${a.port})`);
  }
  if (notifier !== null) {
    const q = notifier.queueKind;
    const n = config.notify;
    const where = q.kind === 'sqlite' ? ` in ${n?.stateDir ?? ''}` : q.kind === 'nats' ? ` on ${n?.nats ?? ''}, ${n?.role === 'worker' ? 'delivering as a worker' : 'queued for the workers'}` : ', lossy';
    const names = notifier.endpoints().map((e) => e.name).join(', ');
    log(`meterkit agent: notifications to ${names} (queue ${q.kind}${where})${n?.role === 'worker' ? '' : `; POST events to ${url}${NOTIFY_HTTP_BASE}/events`}`);
  }
  if (monitoring?.monitor) log(`meterkit agent: peer monitor at ${url}/monitor/v1 (POST metrics, GET peers; meterkit peers --url ${url})${config.monitor?.nats ? `, and from NATS ${config.monitor.nats}` : ''}`);
  const reporter = monitoring?.reporter ?? null;
  if (reporter !== null) log(`meterkit agent: reporting as ${JSON.stringify(reporter.peer)} to ${redactUrl(config.report?.to ?? '')} every ${reporter.interval} ms (ttl ${reporter.ttl} ms)`);
  if (primary !== null) log(`meterkit agent: cluster primary of ${config.cluster?.workers ?? 0} workers running ${config.cluster?.file ?? ''}; /metrics merges their metrics`);
  monitoring?.startReporting();
  for (const [i, w] of writers.entries()) {
    log(remoteWriteLogLine(config.remoteWrite?.[i], w));
    w.start();
  }
  return { registry, url, stream, proxy, monitor: monitoring?.monitor ?? null, reporter, notifier, remoteWriters: writers, cluster: primary, reload: () => reload(), close };
}
