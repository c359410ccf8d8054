/**
 * The config file's schema (`meterkit agent --config FILE`): one key for every agent flag,
 * each checked by the rule its flag uses (see rules.ts). Its transforms turn the file into
 * the agent's own config pieces (proxy server options, endpoint configs, credentials), so the
 * agent runs a file exactly as it runs the equivalent flags. README's "Config reference" is
 * generated from the descriptions here (`npm run docs:config`).
 */
import { z } from 'zod';
import { parseHostPort } from '../../core/address.js';
import { ErrorCode, MeterkitError, describeValue } from '../../core/errors.js';
import { parseNatsServers } from '../../core/nats-url.js';
import { resolveDockerUrl } from '../../collectors/docker/index.js';
import { redactUrl } from '../../core/redact.js';
import type { EndpointConfig } from '../../notify/index.js';
import { resolveEndpointConfig } from '../../notify/index.js';
import type { HealthCheckOptions, ProxyServerOptions } from '../../proxy/index.js';
import { STRATEGIES, checkServerOptions, parseBackendSpec } from '../../proxy/index.js';
import { checkHealthCheck } from '../../proxy/health.js';
import { checkBackend, probeExpectRegex } from '../../proxy/options.js';
import { reportTiming } from '../../monitor/reporter.js';
import { monitorIngestUrl } from '../../monitor/http-sender.js';
import { PEER_ID_RULE, isPeerId } from '../../monitor/validate.js';
import { readPem } from '../agent.js';
import { DASHBOARD_LIMIT, DASHBOARD_WATCHED_LIMIT } from '../dashboard.js';
import { secretEnvName } from '../notify.js';
import { authFrom, readSecret } from '../secrets.js';
import type { RemoteWriteConfig } from '../remote-write.js';
import { REMOTE_WRITE_ENV, checkRemoteWrite, remoteWriteAuth, remoteWriteTls } from '../remote-write.js';
import { MAX_SHARDS } from '../../remote-write/options.js';
import type { AuthOptions } from '../../http/auth.js';
import { address, duration, rule, secret, text, whole } from './rules.js';

const tlsFiles = (what: string) =>
  z
    .strictObject({
      cert: text('PEM certificate file'),
      key: text('PEM private key file'),
    })
    .describe(what);

/**
 * Credentials: a token or user:password, in the file or (better) in a file it names; `combine`
 * is the rule that turns them into credentials (a server may take both, a client one).
 */
function credentials(where: string, env: NodeJS.ProcessEnv, combine: (token: string | undefined, basic: string | undefined) => AuthOptions | undefined = authFrom) {
  return z
    .strictObject({
      token: text('bearer token (printable ASCII, no spaces); prefer token_file').optional(),
      token_file: text('file holding the token (one trailing newline trimmed)').optional(),
      basic: text('user:password for HTTP basic auth; prefer basic_file').optional(),
      basic_file: text('file holding user:password').optional(),
    })
    .transform((a, ctx) =>
      rule(ctx, () =>
        combine(
          readSecret({ flag: `${where}.token`, value: a.token, fileFlag: `${where}.token_file`, file: a.token_file, envName: '', env }),
          readSecret({ flag: `${where}.basic`, value: a.basic, fileFlag: `${where}.basic_file`, file: a.basic_file, envName: '', env }),
        ),
      ),
    );
}

const backend = z
  .union([
    z.string().describe('host:port[,weight=N][,priority=N]'),
    z.strictObject({
      address: address('backend address').describe('host:port of the backend'),
      weight: whole('weight', { max: 1_000_000 }).optional().describe('share of connections under the weight strategy (default 1)'),
      priority: whole('priority', { min: 0, max: 1_000_000 }).optional().describe('lower is preferred (default 1)'),
    }),
  ], { error: 'expected a backend: "host:port[,weight=N][,priority=N]" or {address, weight, priority}' })
  .transform((b, ctx) =>
    rule(ctx, () => {
      if (typeof b === 'string') return parseBackendSpec(b);
      const { host, port } = parseHostPort(b.address, 'backend address');
      return checkBackend({ host, port, weight: b.weight, priority: b.priority });
    }),
  );

/**
 * A Docker engine URL by the collector's own rule (resolveDockerUrl); one with credentials or a
 * query is refused without quoting them (the engine API takes neither).
 */
function checkDockerUrl(url: string): void {
  const shown = redactUrl(url);
  if (shown !== url) throw new MeterkitError(ErrorCode.InvalidArgument, `invalid Docker URL ${describeValue(shown)}: use unix:///path/to/docker.sock or tcp://host:port, with no credentials or query`);
  resolveDockerUrl(url, {});
}

const healthcheck = z
  .strictObject({
    kind: z.enum(['ping', 'probe', 'exec']).describe('ping (TCP connect), probe (send, expect a reply) or exec (run a command)'),
    interval: duration('interval').optional().describe('time between checks (default 2s)'),
    timeout: duration('timeout').optional().describe('time one check may take (default 1s)'),
    fails: whole('fails', { max: 1000 }).optional().describe('consecutive failures that mark a backend down (default 1)'),
    passes: whole('passes', { max: 1000 }).optional().describe('consecutive passes that mark it live (default 1)'),
    send: z.string().optional().describe('probe: text to send'),
    expect: z.string().optional().describe('probe: the reply must start with this text'),
    expect_regex: z.string().optional().describe('probe: the reply must match this regular expression (instead of expect)'),
    command: z.string().optional().describe('exec: the program (no shell); gets host and port, exit 0 = healthy'),
    args: z.array(z.string()).optional().describe('exec: arguments before host and port'),
  })
  .transform((h, ctx) =>
    rule(ctx, (): HealthCheckOptions => {
      const timing = { interval: h.interval, timeout: h.timeout, fails: h.fails, passes: h.passes };
      if (h.kind === 'probe') {
        if (h.expect !== undefined && h.expect_regex !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['expect_regex'], message: 'expect_regex and expect contradict each other: give one' });
          return z.NEVER;
        }
        return checkHealthCheck({ kind: 'probe', send: h.send ?? '', expect: h.expect_regex === undefined ? (h.expect ?? '') : probeExpectRegex(h.expect_regex, undefined, 'expect_regex'), ...timing });
      }
      if (h.kind === 'exec') return checkHealthCheck({ kind: 'exec', command: h.command ?? '', args: h.args, ...timing });
      return checkHealthCheck({ kind: 'ping', ...timing });
    }),
  );

const proxyServer = z
  .strictObject({
    name: text('the server\'s name: its "server" label and REST path (default "default")').default('default'),
    bind: address('bind address').describe('host:port proxy clients connect to'),
    backends: z.array(backend).min(1, { message: 'a proxy server needs at least one backend' }).describe('the backends: "host:port[,weight=N][,priority=N]" or {address, weight, priority}'),
    strategy: z.enum(STRATEGIES).optional().describe('how a backend is picked (default weight)'),
    healthcheck: healthcheck.optional().describe('health checks of the backends (none: every backend is live)'),
    connect_timeout: duration('connect_timeout').optional().describe('backend connect timeout (default 5s)'),
    client_idle_timeout: duration('client_idle_timeout', 0).optional().describe('close a connection idle this long on the client side (default 0: never)'),
    backend_idle_timeout: duration('backend_idle_timeout', 0).optional().describe('close a connection idle this long on the backend side (default 0: never)'),
    max_connections: whole('max_connections', { min: 0 }).optional().describe('clients at once; more are refused (default 0: no limit)'),
    tls: tlsFiles('terminate TLS for clients with this certificate and key').optional(),
    proxy_protocol: z.boolean().optional().describe('send a PROXY protocol v1 header to backends (default false)'),
  })
  .transform((s, ctx) =>
    rule(ctx, (): ProxyServerOptions => {
      const o: ProxyServerOptions = {
        name: s.name,
        bind: s.bind,
        backends: s.backends,
        strategy: s.strategy,
        healthcheck: s.healthcheck,
        connectTimeout: s.connect_timeout,
        clientIdleTimeout: s.client_idle_timeout,
        backendIdleTimeout: s.backend_idle_timeout,
        maxConnections: s.max_connections,
        proxyProtocol: s.proxy_protocol === true,
        tls: s.tls === undefined ? undefined : { cert: readPem(s.tls.cert, 'proxy TLS certificate'), key: readPem(s.tls.key, 'proxy TLS key'), source: `certificate "${s.tls.cert}", key "${s.tls.key}"` },
      };
      checkServerOptions(o);
      return o;
    }),
  );

function endpoint(env: NodeJS.ProcessEnv) {
  return z
    .strictObject({
      name: text('unique name: the endpoint\'s label and queue key (letters, digits, ._-)'),
      url: text('http: or https: URL the events are POSTed to'),
      secret: secret(text('Standard Webhooks secret (whsec_…); prefer secret_file or the variable METERKIT_NOTIFY_SECRET_ + the name upper-cased').optional()),
      secret_file: text('file holding the secret').optional(),
      headers: secret(z.record(z.string(), z.string()).optional().describe('extra request headers')),
      timeout: duration('timeout').optional().describe('request timeout (default 5s)'),
      threshold: whole('threshold').optional().describe('failures before the endpoint backs off (default 3)'),
      backoff: duration('backoff').optional().describe('first backoff (default 1s)'),
      max_backoff: duration('max_backoff').optional().describe('longest backoff (default 60s)'),
      max_attempts: whole('max_attempts').optional().describe('attempts before an event is a dead letter (default 10)'),
      format: z.enum(['meterkit', 'cloudevents']).optional().describe('body format (default meterkit)'),
      ignore: z.array(z.string()).optional().describe('actions not sent to this endpoint'),
      batch: whole('batch').optional().describe('events per request at most (default 100)'),
      batch_wait: duration('batch_wait', 0).optional().describe('how long a batch waits to fill (default 0)'),
      ca: text('PEM file of the CA that signs an https: endpoint').optional(),
    })
    .transform((e, ctx) =>
      rule(ctx, (): EndpointConfig => {
        const secret = readSecret({ flag: 'secret', value: e.secret, fileFlag: 'secret_file', file: e.secret_file, envName: secretEnvName(e.name), env });
        const c: EndpointConfig = {
          name: e.name,
          url: e.url,
          headers: e.headers ?? {},
          timeout: e.timeout,
          threshold: e.threshold,
          backoff: e.backoff,
          maxBackoff: e.max_backoff,
          maxAttempts: e.max_attempts,
          format: e.format,
          ignore: e.ignore === undefined ? undefined : { actions: e.ignore },
          maxEvents: e.batch,
          maxWait: e.batch_wait,
          secret,
          ca: e.ca === undefined ? undefined : readPem(e.ca, 'notify CA').toString('utf8'),
        };
        resolveEndpointConfig(c);
        return c;
      }),
    );
}

/** One remote-write receiver: the `--remote-write*` flags' keys (which apply to every URL on the command line). */
function remoteWrite(env: NodeJS.ProcessEnv) {
  return z
    .strictObject({
      url: text('the write endpoint, e.g. http://127.0.0.1:9090/api/v1/write (no credentials in it)'),
      name: text('its remote_name label (default 6 hex digits of the URL\'s SHA-256; unique)').optional(),
      interval: duration('interval').optional().describe('time between snapshots (default 15s)'),
      external_labels: z.record(z.string(), z.string()).optional().describe('labels added to every series that lacks them'),
      headers: secret(z.record(z.string(), z.string()).optional().describe('extra request headers')),
      auth: secret(
        credentials('remote_write[].auth', env, (t, b) => remoteWriteAuth(t, b, ['token', 'basic']))
          .optional()
          .describe(`a token or user:password (one); none given: ${REMOTE_WRITE_ENV.token} or ${REMOTE_WRITE_ENV.basic}`),
      ),
      tls: z
        .strictObject({
          ca: text('PEM CA certificates to trust').optional(),
          cert: text('PEM client certificate (with key)').optional(),
          key: text('its PEM private key').optional(),
          insecure_skip_verify: z.boolean().optional().describe('accept any server certificate (tests only)'),
        })
        .optional()
        .describe('TLS for an https: URL'),
      timeout: duration('timeout').optional().describe('time one request may take (default 30s)'),
      shards: whole('shards', { max: MAX_SHARDS }).optional().describe('parallel senders (default 1)'),
      max_samples_per_send: whole('max_samples_per_send').optional().describe('samples per request (default 2000)'),
      buffer: whole('buffer').optional().describe('samples buffered while the receiver is away; beyond it the oldest are dropped and counted (default 1000000)'),
    })
    .transform((r, ctx) =>
      rule(ctx, (): RemoteWriteConfig => {
        const c: RemoteWriteConfig = { url: r.url };
        if (r.name !== undefined) c.name = r.name;
        if (r.interval !== undefined) c.interval = r.interval;
        if (r.external_labels !== undefined) c.externalLabels = r.external_labels;
        if (r.headers !== undefined) c.headers = r.headers;
        const auth = r.auth ?? remoteWriteAuth(env[REMOTE_WRITE_ENV.token], env[REMOTE_WRITE_ENV.basic], [REMOTE_WRITE_ENV.token, REMOTE_WRITE_ENV.basic]);
        if (auth !== undefined) c.auth = auth;
        const t = r.tls;
        const tls = t === undefined ? undefined : remoteWriteTls({ ca: t.ca, cert: t.cert, key: t.key, insecureSkipVerify: t.insecure_skip_verify }, ['tls.cert', 'tls.key'], readPem);
        if (tls !== undefined) c.tls = tls;
        if (r.timeout !== undefined) c.timeout = r.timeout;
        if (r.shards !== undefined) c.shards = r.shards;
        if (r.max_samples_per_send !== undefined) c.maxSamplesPerSend = r.max_samples_per_send;
        if (r.buffer !== undefined) c.maxPendingSamples = r.buffer;
        // named as the writer will be (the URL's hash by default), so that uniqueness is checked on it
        c.name = checkRemoteWrite(c).name;
        return c;
      }),
    );
}

const nats = (what: string) =>
  z
    .string()
    .transform((v, ctx) => rule(ctx, () => parseNatsServers(v).join(',')))
    .describe(`${what}: nats://HOST:PORT[,…]`);

/** A check that the items of a list have unique names; the issue is on the second of a pair. */
function uniqueNames(what: string, why = 'names are unique') {
  return (list: ReadonlyArray<{ name?: string | undefined }>, ctx: z.RefinementCtx): void => {
    const names = new Set<string | undefined>();
    list.forEach((item, i) => {
      if (names.has(item.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate ${what} name ${describeValue(item.name)}: ${why}` });
      names.add(item.name);
    });
  };
}

/**
 * Two servers cannot listen on one fixed address (the second would fail at start with EADDRINUSE);
 * port 0 (any free port) never clashes. The issue is on the second of a pair.
 */
function uniqueBinds(list: ReadonlyArray<{ bind: string; name: string }>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  list.forEach((s, i) => {
    const { host, port } = parseHostPort(s.bind, 'bind address');
    if (port === 0) return;
    const key = `${host.toLowerCase()}:${port}`;
    const other = seen.get(key);
    if (other !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'bind'], message: `bind address ${describeValue(s.bind)} is already server ${describeValue(other)}'s: each server needs its own host:port (port 0 excepted)` });
    else seen.set(key, s.name);
  });
}

/** The whole file; `env` supplies the secrets' variables. */
export function configSchema(env: NodeJS.ProcessEnv) {
  return z
    .strictObject({
      http: z
        .strictObject({
          listen: address('listen address').optional().describe('where to serve HTTP (default 127.0.0.1:9464) — needs a restart'),
          auth: secret(credentials('http.auth', env).optional().describe('credentials every request needs (not /healthz); METERKIT_AUTH_TOKEN / METERKIT_BASIC_AUTH override')),
          tls: tlsFiles('serve HTTPS with this certificate and key — needs a restart').optional(),
          collect_timeout: duration('collect_timeout').optional().describe('how long a scrape waits for collectors (default 10s)'),
          max_concurrent: whole('max_concurrent').optional().describe('scrapes served at once (default 16)'),
          openmetrics: z.boolean().optional().describe('offer OpenMetrics 1.0 to scrapers that prefer it (default false)'),
          openmetrics_created: z.boolean().optional().describe('also write _created samples (needs openmetrics)'),
        })
        .optional()
        .describe('the HTTP endpoint: /metrics, /debug/vars, /healthz and every API'),
      stream: z
        .strictObject({
          enabled: z.boolean().optional().describe('serve the live TCP stream (default true)'),
          listen: address('stream address').optional().describe('where to serve it (default 127.0.0.1:5000) — needs a restart'),
          buffer: whole('buffer').optional().describe('events the ingress and each client queue hold (default 1024)'),
          buffer_bytes: whole('buffer_bytes', { min: 1024 }).optional().describe('bytes the ingress and each client queue hold (default 4194304)'),
          interval: duration('interval').optional().describe('how often process metrics are recorded for the stream (default 1s)'),
        })
        .optional()
        .describe('the live TCP stream'),
      process: z
        .strictObject({ enabled: z.boolean().optional().describe('collect process and runtime metrics (default true)') })
        .optional()
        .describe('the process collector'),
      docker: z
        .strictObject({
          url: text('unix:///path/docker.sock or tcp://host:port (default DOCKER_HOST, else unix:///var/run/docker.sock)')
            .superRefine((v, ctx) => void rule(ctx, () => checkDockerUrl(v)))
            .optional(),
          naming: z.enum(['docker', 'cadvisor']).optional().describe("metric names: docker (docker_exporter's, default) or cadvisor"),
        })
        .optional()
        .describe('collect container metrics from a Docker engine (present: on)'),
      dashboard: z
        .strictObject({
          max_clients: whole('max_clients', DASHBOARD_LIMIT).optional().describe('live-update streams open at once; more get 503 (default 4)'),
          max_watched: whole('max_watched', DASHBOARD_WATCHED_LIMIT).optional().describe(`series the dashboard watches at once, the overview's ${DASHBOARD_WATCHED_LIMIT.min - 1} included (default 64)`),
        })
        .optional()
        .describe('the web dashboard at / — needs a restart'),
      proxy: z
        .strictObject({
          naming: z.enum(['meterkit', 'gobetween']).optional().describe('metric names (default meterkit)'),
          drain_timeout: duration('drain_timeout', 0).optional().describe('on shutdown, let open connections finish this long (default 5s)'),
          servers: z
            .array(proxyServer)
            .min(1, { message: 'give at least one server' })
            .superRefine(uniqueNames('server'))
            .superRefine(uniqueBinds)
            .describe('the TCP load balancer servers'),
        })
        .optional()
        .describe('the TCP load balancer'),
      monitor: z
        .strictObject({
          detector: z.enum(['ttl', 'phi']).optional().describe('ttl (default) or phi (phi-accrual)'),
          check_interval: duration('check_interval').optional().describe('how often peers are checked (default 15s)'),
          peers: z
            .array(z.string().refine(isPeerId, { message: PEER_ID_RULE }))
            .optional()
            .describe('the peers expected (default: every peer that reports)'),
          nats: nats('also take metrics from NATS').optional(),
        })
        .optional()
        .describe('the peer monitor (present: on)'),
      report: z
        .strictObject({
          to: z.string().describe('a monitor: http://HOST:PORT or nats://HOST:PORT'),
          peer_id: z.string().refine(isPeerId, { message: PEER_ID_RULE }).optional().describe('this peer\'s id (default HOSTNAME:PID)'),
          interval: duration('interval').optional().describe('time between reports (default 5s)'),
          ttl: duration('ttl').optional().describe('how long each report counts as alive (default 15s)'),
          auth: secret(credentials('report.auth', env).optional().describe('credentials the monitor agent requires (http only)')),
        })
        .superRefine((r, ctx) => {
          if (!r.to.startsWith('nats:')) rule(ctx, () => monitorIngestUrl(r.to));
          else rule(ctx, () => parseNatsServers(r.to));
          rule(ctx, () => reportTiming(r.interval, r.ttl, { interval: 'report.interval', ttl: 'report.ttl' }));
        })
        .optional()
        .describe("report this agent's heartbeat to a monitor"),
      notify: z
        .strictObject({
          queue: z.string().optional().describe('sqlite (durable, default), memory (lossy) or nats://HOST:PORT[,…] — needs a restart'),
          worker: z.boolean().optional().describe('deliver from the JetStream queue only — needs a restart'),
          state_dir: text('where the durable queue lives (default $XDG_STATE_HOME/meterkit) — needs a restart').optional(),
          endpoints: z
            .array(endpoint(env))
            .min(1, { message: 'give at least one endpoint' })
            .superRefine(uniqueNames('endpoint'))
            .describe('webhook endpoints'),
        })
        .superRefine((n, ctx) => {
          const q = n.queue;
          if (q !== undefined && q !== 'sqlite' && q !== 'memory') {
            if (!q.startsWith('nats:')) ctx.addIssue({ code: 'custom', path: ['queue'], message: `unknown queue ${describeValue(q)}: use sqlite, memory or nats://HOST:PORT` });
            else rule(ctx, () => parseNatsServers(q));
          }
          if (n.worker === true && !(q ?? '').startsWith('nats:')) ctx.addIssue({ code: 'custom', path: ['worker'], message: 'worker: true needs queue: nats://HOST:PORT: only a shared queue has workers' });
        })
        .optional()
        .describe('webhook notifications'),
      remote_write: z
        .array(remoteWrite(env))
        .min(1, { message: 'give at least one receiver' })
        .superRefine(uniqueNames('receiver', 'each receiver needs its own url or name (the remote_name label of its metrics)'))
        .optional()
        .describe('push every series to these remote-write receivers (Prometheus, VictoriaMetrics…) — needs a restart'),
      cluster: z
        .strictObject({
          file: text('the worker script (it calls serveClusterMetrics)'),
          workers: whole('workers', { max: 1024 }).optional().describe('workers kept running (default 1 per CPU core)'),
        })
        .optional()
        .describe('be a node:cluster primary: fork workers, serve the merge of their metrics (present: on) — needs a restart'),
    })
    .superRefine((c, ctx) => {
      if (c.http?.openmetrics_created === true && c.http.openmetrics !== true) {
        ctx.addIssue({ code: 'custom', path: ['http', 'openmetrics_created'], message: 'openmetrics_created needs openmetrics: true: _created samples exist only in OpenMetrics' });
      }
      if (c.stream?.enabled === false && c.stream.listen !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['stream', 'listen'], message: 'stream.listen with stream.enabled: false contradict each other: give one' });
      }
      if (c.report?.auth !== undefined && c.report.to.startsWith('nats:')) {
        ctx.addIssue({ code: 'custom', path: ['report', 'auth'], message: 'report.auth is for an http:// monitor, not NATS' });
      }
    });
}

/** What a checked file holds. */
export type FileConfig = z.output<ReturnType<typeof configSchema>>;
