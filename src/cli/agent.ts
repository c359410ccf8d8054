import { readFileSync } from 'node:fs';
import { Registry } from '../core/registry.js';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { ProcessCollector } from '../collectors/process/index.js';
import { collectProcessMetrics } from '../collectors/process/index.js';
import type { AuthOptions } from '../http/server.js';
import { HttpServer, parseHostPort } from '../http/server.js';
import { createJsonHandler } from '../json/index.js';
import { createMetricsHandler } from '../prometheus/handler.js';
import { FanoutRecorder } from '../core/layers/fanout.js';
import type { TcpRecorder } from '../tcp/recorder.js';
import { TcpBuilder } from '../tcp/builder.js';
import { collectDockerMetrics } from '../collectors/docker/collector.js';
import type { DockerNaming } from '../collectors/docker/tracker.js';

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
  /** How often process metrics are recorded for stream clients, ms. Default 1000. */
  streamInterval?: number;
  /** Collect container metrics from a Docker engine (url undefined: DOCKER_HOST or the default socket). */
  docker?: { url?: string; naming?: DockerNaming };
  /** Where log lines go. Default stderr. */
  log?: (line: string) => void;
  /** Offer OpenMetrics on /metrics (`--openmetrics`). Default false. */
  openMetrics?: boolean;
  /** `_created` samples in OpenMetrics (`--openmetrics-created`). Default false. */
  openMetricsCreated?: boolean;
}

/** A running agent. */
export interface Agent {
  readonly registry: Registry;
  /** Base URL of the HTTP endpoint. */
  readonly url: string;
  /** The stream exporter, when streaming. */
  readonly stream: TcpRecorder | null;
  close(): Promise<void>;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `cannot read ${what} file "${path}": ${(err as Error).message}`, { cause: err });
  }
}

/** Starts the agent: a registry, the process collector and the HTTP endpoints. */
export async function startAgent(config: AgentConfig = {}): Promise<Agent> {
  const log = config.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { host, port } = parseHostPort(config.listen ?? '127.0.0.1:9464', '--listen address');
  const registry = new Registry({
    // a Docker update may take up to its own 20 s inline timeout: let the scrape wait for that
    collectTimeout: config.collectTimeout ?? (config.docker ? 25_000 : undefined),
    onCollectorError: (name, err) => log(`meterkit: collector "${name}" failed: ${err instanceof Error ? err.message : String(err)}`),
  });
  const docker = config.docker ? collectDockerMetrics(registry, { url: config.docker.url, naming: config.docker.naming, log }) : null;
  let stream: TcpRecorder | null = null;
  if (config.stream !== undefined) {
    const b = new TcpBuilder().listenAddress(config.stream).selfMetrics(registry);
    if (config.streamBuffer !== undefined) b.bufferSize(config.streamBuffer);
    stream = await b.build();
  }
  let processCollector: ProcessCollector | null = null;
  let ticker: NodeJS.Timeout | null = null;
  if (config.process !== false) {
    // with a stream, process metrics go to both, and are read every second so clients see them move
    processCollector = collectProcessMetrics(registry, stream ? { recorder: new FanoutRecorder([registry, stream]) } : {});
    if (stream !== null) {
      const pc = processCollector;
      ticker = setInterval(() => void pc.collect().catch(() => undefined), config.streamInterval ?? 1000);
      ticker.unref();
    }
  }
  const tls = config.tls ? { cert: readPem(config.tls.cert, 'TLS certificate'), key: readPem(config.tls.key, 'TLS key') } : undefined;
  const server = new HttpServer({ host, port, tls, auth: config.auth, onError: (err) => log(`meterkit: request failed: ${String(err)}`) });
  server.route('/metrics', createMetricsHandler(registry, { openMetrics: config.openMetrics, created: config.openMetricsCreated }));
  server.route('/debug/vars', createJsonHandler(registry));
  server.route('/healthz', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok\n');
  });
  const close = async (): Promise<void> => {
    if (ticker !== null) clearInterval(ticker);
    await processCollector?.close();
    docker?.stop();
    await server.close();
    await stream?.close();
    await registry.close();
  };
  try {
    await server.listen();
  } catch (err) {
    await close();
    throw err;
  }
  const url = server.url();
  log(`meterkit agent: serving ${url}/metrics, ${url}/debug/vars and ${url}/healthz${config.auth ? ' (auth required)' : ''}`);
  if (docker !== null) log(`meterkit agent: container metrics from ${docker.url}`);
  if (stream !== null) {
    const a = stream.address();
    log(`meterkit agent: streaming on tcp://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port} (meterkit observe ${a.address}:${a.port})`);
  }
  return { registry, url, stream, close };
}
