/**
 * The `meterkit` command. Only this folder wires features together.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { AgentConfig } from './agent.js';
import { MIN_BUFFER_BYTES } from '../tcp/builder.js';
import { readPem, startAgent } from './agent.js';
import { PROXY_HELP, PROXY_OPTIONS, parseProxyFlags } from './proxy.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, parseClusterFlags } from './cluster.js';
import { MONITOR_HELP, MONITOR_OPTIONS, parseMonitorFlags } from './monitor.js';
import { NOTIFY_HELP, NOTIFY_OPTIONS, parseNotifyFlags } from './notify.js';
import { PEERS_HELP, peersCommand } from './peers.js';
import { observeCommand } from './observe.js';
import { WEBHOOK_LISTEN_HELP, webhookListenCommand } from './webhook-listen.js';
import { NOTIFY_COMMAND_HELP, notifyCommand } from './notify-command.js';
import { CONNECT_TIMEOUT_MS, RETRY_MS, formatInterval } from '../observer/client.js';
import { dockerCommand, normalizeDockerFlag, parseNaming } from './docker.js';
import { parseHostPort } from '../core/address.js';
import { AUTH_OPTIONS, readAuthFlags } from './secrets.js';
import { REMOTE_WRITE_HELP, REMOTE_WRITE_OPTIONS, parseRemoteWriteFlags } from './remote-write.js';
import { UsageError, asUsage, durationFlag, needsFeature, wholeFlag } from './usage.js';
import { loadConfigFile } from './config/load.js';
import { fileToAgent, overrideWithFlags } from './config/to-agent.js';
import { CONFIG_HELP, configCommand } from './config-command.js';
import { DASHBOARD_LIMIT, DASHBOARD_WATCHED_LIMIT } from './dashboard.js';

const HELP = `meterkit — metrics toolkit and agent for Node.js

Usage:
  meterkit <command> [options]
  meterkit --help | --version

Commands:
  agent             Serve /metrics, /debug/vars and /healthz with process metrics,
                    and stream every metric operation over TCP
  observe [addr]    Watch a live metrics stream in the terminal (default 127.0.0.1:5000)
  docker [url]      Print the container metrics of a Docker engine once, and exit
  proxy             Run a TCP load balancer (with per-backend traffic metrics) in the agent
  peers             Show the peers a monitor agent (agent --monitor) watches, and their state
  notify dead-letters   List (or --replay) the notifications the agent gave up on
  webhook-listen [addr] Receive webhook notifications, verify their signatures, print them
  config check FILE     Check agent config files (every problem as file:line:col: key: message)
  config example        Print a complete, commented config file
  help [command]    Show help for meterkit or for one command

Options:
  -h, --help        Show this help
  -v, --version     Print the version

Run "meterkit <command> --help" for a command's options.
`;

const AGENT_HELP = `Usage: meterkit agent [options]

Serves Prometheus metrics (text 0.0.4; OpenMetrics with --openmetrics) at /metrics,
an expvar-style JSON view at /debug/vars and a liveness probe at /healthz (never behind auth).
SIGINT or SIGTERM closes everything and exits 0.

Options:
  --config <file>           Read settings from a YAML file (see "meterkit config example");
                            flags given too override the file's keys; SIGHUP and
                            POST /-/reload re-read it
  --listen <host:port>      Where to serve HTTP (default 127.0.0.1:9464; [::1]:9464 for IPv6)
  --auth-token <token>      Require "Authorization: Bearer <token>" (printable ASCII,
                            no spaces); or set METERKIT_AUTH_TOKEN
  --auth-token-file <path>  Read the token from a file (one trailing newline trimmed)
  --basic-auth <user:pass>  Require HTTP basic auth with these credentials
                            (or set METERKIT_BASIC_AUTH)
  --basic-auth-file <path>  Read user:pass from a file (one trailing newline trimmed)
  --tls-cert <file>         PEM certificate: serve HTTPS (needs --tls-key)
  --tls-key <file>          PEM private key
  --no-process              Do not collect process and Node.js runtime metrics
  --collect-timeout <ms>    How long a scrape waits for collectors (default 10000; less when
                            Prometheus sends X-Prometheus-Scrape-Timeout-Seconds)
  --openmetrics             Serve OpenMetrics 1.0 to scrapers whose Accept header prefers it
                            (default: text 0.0.4 always, as client_golang)
  --openmetrics-created     Also write _created samples in OpenMetrics (needs --openmetrics)
  --max-concurrent <n>      Scrapes served at once; more get 503 + Retry-After (default 16;
                            /healthz is never capped)
  --stream <host:port>      Where to serve the live TCP stream (default 127.0.0.1:5000)
  --no-stream               Do not serve the stream
  --stream-buffer <n>       Events the stream's ingress and each client queue hold (default 1024)
  --stream-buffer-bytes <n> Bytes the stream's ingress and each client queue hold
                            (default 4194304; at least 1024)
  --stream-interval <ms>    How often process metrics are recorded for the stream (default 1000)
  --docker [url]            Collect container metrics from a Docker engine (Docker or Podman):
                            url is unix:///path/docker.sock or tcp://host:port; default
                            DOCKER_HOST, else unix:///var/run/docker.sock
  --docker-naming <mode>    docker (docker_exporter's names, default) or cadvisor
  --dashboard-max-clients <n>  Dashboard live-update streams open at once; more get 503
                            (default 4)
  --dashboard-max-watched <n>  Series the dashboard watches at once (default 64; at
                            least ${DASHBOARD_WATCHED_LIMIT.min}: the overview's series count)
  -h, --help                Show this help

${MONITOR_HELP}
${NOTIFY_HELP}
${REMOTE_WRITE_HELP}
${PROXY_HELP}
${CLUSTER_HELP}`;

const PROXY_COMMAND_HELP = `Usage: meterkit proxy --bind <host:port> --backend <host:port>... [options]

Runs a TCP load balancer inside the agent: clients connecting to --bind are forwarded to a
backend chosen by --strategy among the live backends of the best priority; bytes each way
(rx: backend to client, tx: client to backend), connections and rates per backend are
metrics on the agent's /metrics, /debug/vars and stream. The REST API is on the agent's HTTP
address: GET /servers, /servers/NAME, /servers/NAME/stats; POST /servers/NAME/backends;
DELETE /servers/NAME/backends/HOST:PORT. Every "meterkit agent" option applies too.
SIGINT or SIGTERM stops accepting, lets open connections finish (--drain-timeout), then exits 0.

Example:
  meterkit proxy --bind 127.0.0.1:8080 --backend 127.0.0.1:9001 \\
    --backend 127.0.0.1:9002,weight=3 --strategy leastconn --healthcheck ping,interval=2s,fails=2

${PROXY_HELP}
Run "meterkit agent --help" for the agent's options.
`;

const DOCKER_HELP = `Usage: meterkit docker [url] [options]

Lists, inspects and samples every container once and prints their metrics in Prometheus
text format. url: unix:///path/docker.sock or tcp://host:port; default DOCKER_HOST, else
unix:///var/run/docker.sock. Exits 1 with a message when no engine answers.

Options:
  --naming <mode>   docker (docker_exporter's names, default) or cadvisor
  -h, --help        Show this help
`;

const OBSERVE_HELP = `Usage: meterkit observe [host:port] [options]

Connects to a live metrics stream (meterkit agent, or Rust's metrics-exporter-tcp) and shows
one line per series: counters as "total", gauges as "current", histograms as
min/p50/p99/p999/max. Time units are scaled to s/ms/µs/ns, data units to B/KiB/MiB/GiB.
After a failure it retries every ${formatInterval(RETRY_MS)}, trying every address the host resolves to;
values restart from zero on reconnect.

Keys: Up/Down scroll, PageUp/PageDown page, q quits.

Options:
  --json                  Print one decoded event per line (JSON) instead of the screen
  --connect-timeout <ms>  Give up on an address that does not answer within <ms>
                          (default ${CONNECT_TIMEOUT_MS})
  -h, --help              Show this help
`;

/** The package version, read from package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}


/** The agent's flags as parseArgs reads them. @throws UsageError on an unknown flag or a missing value. */
function parseAgentValues(args: readonly string[]) {
  try {
    return parseArgs({
      args: normalizeDockerFlag(args),
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        listen: { type: 'string' },
        ...AUTH_OPTIONS,
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'no-process': { type: 'boolean' },
        'collect-timeout': { type: 'string' },
        'max-concurrent': { type: 'string' },
        openmetrics: { type: 'boolean' },
        'openmetrics-created': { type: 'boolean' },
        'stream-buffer-bytes': { type: 'string' },
        stream: { type: 'string' },
        'no-stream': { type: 'boolean' },
        'stream-buffer': { type: 'string' },
        'stream-interval': { type: 'string' },
        docker: { type: 'string' },
        'docker-naming': { type: 'string' },
        'dashboard-max-clients': { type: 'string' },
        'dashboard-max-watched': { type: 'string' },
        ...PROXY_OPTIONS,
        ...CLUSTER_OPTIONS,
        ...MONITOR_OPTIONS,
        ...NOTIFY_OPTIONS,
        ...REMOTE_WRITE_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Turns `meterkit agent` arguments (and the environment) into an agent config. */
export function parseAgentArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): AgentConfig | 'help' {
  const values = parseAgentValues(args);
  if (values.help) return 'help';
  const file = values.config;
  if (file === undefined) return configFromFlags(values, env);
  return overrideWithFlags(fileToAgent(loadConfigFile(file, env), env), values, env, (v) => configFromFlags(v as typeof values, env));
}

/** The agent config the flags (parseArgs' values) alone make. */
function configFromFlags(values: ReturnType<typeof parseAgentValues>, env: NodeJS.ProcessEnv): AgentConfig {
  // addresses are checked here, so a bad one is a usage error (exit 2) naming the flag
  const listen = values.listen;
  if (listen !== undefined) asUsage(() => parseHostPort(listen, '--listen address'));
  const config: AgentConfig = { listen, process: !values['no-process'] };
  const auth = readAuthFlags(values, env);
  if (auth !== undefined) config.auth = auth;
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together (beside a file: with http.tls.key and http.tls.cert): give both or neither');
  if (cert !== undefined && key !== undefined) config.tls = { cert, key };
  const ct = values['collect-timeout'];
  if (ct !== undefined) config.collectTimeout = durationFlag('--collect-timeout', ct);
  const mc = values['max-concurrent'];
  if (mc !== undefined) config.maxConcurrent = wholeFlag('--max-concurrent', mc);
  if (values['openmetrics-created'] && !values.openmetrics) throw new UsageError('--openmetrics-created needs --openmetrics: _created samples exist only in OpenMetrics');
  if (values.openmetrics) config.openMetrics = true;
  if (values['openmetrics-created']) config.openMetricsCreated = true;
  const sbb = values['stream-buffer-bytes'];
  if (sbb !== undefined) config.streamBufferBytes = wholeFlag('--stream-buffer-bytes', sbb, { min: MIN_BUFFER_BYTES });
  if (values['no-stream'] && values.stream !== undefined) throw new UsageError('--stream and --no-stream contradict each other: give one');
  if (!values['no-stream']) {
    const stream = values.stream ?? '127.0.0.1:5000';
    asUsage(() => parseHostPort(stream, '--stream address'));
    config.stream = stream;
  }
  const sb = values['stream-buffer'];
  if (sb !== undefined) config.streamBuffer = wholeFlag('--stream-buffer', sb);
  const si = values['stream-interval'];
  if (si !== undefined) config.streamInterval = durationFlag('--stream-interval', si);
  if (values.docker !== undefined) config.docker = { url: values.docker === '' ? undefined : values.docker, naming: parseNaming(values['docker-naming']) };
  else if (values['docker-naming'] !== undefined) throw needsFeature('--docker-naming', 'docker');
  const dmc = values['dashboard-max-clients'];
  if (dmc !== undefined) config.dashboardMaxClients = wholeFlag('--dashboard-max-clients', dmc, DASHBOARD_LIMIT);
  const dmw = values['dashboard-max-watched'];
  if (dmw !== undefined) config.dashboardMaxWatched = wholeFlag('--dashboard-max-watched', dmw, DASHBOARD_WATCHED_LIMIT);
  const proxy = parseProxyFlags(values, readPem);
  if (proxy !== undefined) config.proxy = proxy;
  const { monitor, report } = parseMonitorFlags(values, env);
  if (monitor !== undefined) config.monitor = monitor;
  if (report !== undefined) config.report = report;
  const clusterConfig = parseClusterFlags(values, availableParallelism());
  if (clusterConfig !== undefined) config.cluster = clusterConfig;
  const notify = parseNotifyFlags(values, env);
  if (notify !== undefined) config.notify = notify;
  const remoteWrite = parseRemoteWriteFlags(values, env, readPem);
  if (remoteWrite !== undefined) config.remoteWrite = remoteWrite;
  return config;
}

/** `meterkit proxy` arguments as agent arguments: `--bind` is `--proxy-bind`. */
export function parseProxyArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): AgentConfig | 'help' {
  const mapped = args.map((a) => (a === '--bind' ? '--proxy-bind' : a.startsWith('--bind=') ? `--proxy-bind=${a.slice(7)}` : a));
  const config = parseAgentArgs(mapped, env);
  if (config !== 'help' && config.proxy === undefined) throw new UsageError('give --bind <host:port> (where clients connect) and at least one --backend host:port');
  return config;
}

/** Waits for SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

type Out = (s: string) => void;

/** A re-read config; 'help' cannot come back from arguments that once made a config. */
function asConfig(c: AgentConfig | 'help'): AgentConfig {
  if (c === 'help') throw new UsageError('unexpected --help');
  return c;
}

async function agentCommand(name: 'agent' | 'proxy', args: readonly string[], out: Out, err: Out): Promise<number> {
  const config = name === 'proxy' ? parseProxyArgs(args) : parseAgentArgs(args);
  if (config === 'help') {
    out(name === 'proxy' ? PROXY_COMMAND_HELP : AGENT_HELP);
    return 0;
  }
  const reloadSource = config.reloadSource === undefined && args.some((a) => a === '--config' || a.startsWith('--config=')) ? () => asConfig(name === 'proxy' ? parseProxyArgs(args) : parseAgentArgs(args)) : undefined;
  // installed before the agent starts: a SIGHUP during start-up must not kill it (the default
  // action); it is remembered and the reload runs once the agent is up
  let agent: Awaited<ReturnType<typeof startAgent>> | null = null;
  let hupEarly = false;
  const onHup = (): void => {
    if (agent === null) hupEarly = true;
    else void agent.reload();
  };
  if (reloadSource !== undefined) process.on('SIGHUP', onHup);
  try {
    agent = await startAgent({ ...config, reloadSource, version: version(), log: (line) => err(`${line}\n`) });
  } catch (e) {
    process.off('SIGHUP', onHup);
    throw e;
  }
  if (reloadSource !== undefined) err(`meterkit ${name}: config reloads on SIGHUP and POST ${agent.url}/-/reload\n`);
  if (hupEarly) void agent.reload();
  const sig = await untilSignal();
  process.off('SIGHUP', onHup);
  err(`meterkit ${name}: ${sig}, closing${config.proxy ? ` (open proxy connections get ${config.proxy.drainTimeout} ms to finish)` : ''}\n`);
  await agent.close();
  return 0;
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(
  argv: readonly string[],
  out: Out = (s) => process.stdout.write(s),
  err: Out = (s) => process.stderr.write(s),
): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '-h' || cmd === '--help') {
      out(HELP);
      return 0;
    }
    if (cmd === 'help') {
      if (rest[0] === undefined) out(HELP);
      else if (rest[0] === 'agent') out(AGENT_HELP);
      else if (rest[0] === 'proxy') out(PROXY_COMMAND_HELP);
      else if (rest[0] === 'observe') out(OBSERVE_HELP);
      else if (rest[0] === 'docker') out(DOCKER_HELP);
      else if (rest[0] === 'config') out(CONFIG_HELP);
      else if (rest[0] === 'peers') out(PEERS_HELP);
      else if (rest[0] === 'notify') out(NOTIFY_COMMAND_HELP);
      else if (rest[0] === 'webhook-listen') out(WEBHOOK_LISTEN_HELP);
      else {
        err(`meterkit: unknown command "${rest[0]}"\n\n${HELP}`);
        return 2;
      }
      return 0;
    }
    if (cmd === '-v' || cmd === '--version') {
      out(`${version()}\n`);
      return 0;
    }
    if (cmd === 'agent' || cmd === 'proxy') return await agentCommand(cmd, rest, out, err);
    // a command that answers 'help' gets its help printed here, with exit 0
    const helped = (r: number | 'help', help: string): number => {
      if (r !== 'help') return r;
      out(help);
      return 0;
    };
    if (cmd === 'config') return helped(configCommand(rest, out, err), CONFIG_HELP);
    if (cmd === 'docker') return helped(await dockerCommand(rest, out, err), DOCKER_HELP);
    if (cmd === 'peers') return helped(await peersCommand(rest, out, err), PEERS_HELP);
    if (cmd === 'notify') return helped(await notifyCommand(rest, out, err), NOTIFY_COMMAND_HELP);
    if (cmd === 'webhook-listen') return helped(await webhookListenCommand(rest, out, err, untilSignal), WEBHOOK_LISTEN_HELP);
    if (cmd === 'observe') return helped(await observeCommand(rest, out, err, untilSignal), OBSERVE_HELP);
    err(`meterkit: unknown command "${cmd}": run "meterkit --help" for the list of commands\n`);
    return 2;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`meterkit ${cmd}: ${e.message}\nRun "meterkit ${cmd} --help" for the options.\n`);
      return 2;
    }
    if (e instanceof MeterkitError) {
      err(`meterkit ${cmd}: ${e.message}\n`);
      // an address that cannot be listened on is the user's input, like a malformed one (#10)
      return e.code === ErrorCode.Listen ? 2 : 1;
    }
    throw e;
  }
}
