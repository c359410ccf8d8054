import { readFileSync } from 'node:fs';
import { Registry } from '../core/registry.js';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { ProcessCollector } from '../collectors/process/index.js';
import { collectProcessMetrics } from '../collectors/process/index.js';
import type { AuthOptions } from '../http/server.js';
import { HttpServer, parseHostPort } from '../http/server.js';
import { createJsonHandler } from '../json/index.js';
import { createMetricsHandler } from '../prometheus/handler.js';

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
  /** Where log lines go. Default stderr. */
  log?: (line: string) => void;
}

/** A running agent. */
export interface Agent {
  readonly registry: Registry;
  /** Base URL of the HTTP endpoint. */
  readonly url: string;
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
    collectTimeout: config.collectTimeout,
    onCollectorError: (name, err) => log(`meterkit: collector "${name}" failed: ${err instanceof Error ? err.message : String(err)}`),
  });
  let processCollector: ProcessCollector | null = null;
  if (config.process !== false) processCollector = collectProcessMetrics(registry);
  const tls = config.tls ? { cert: readPem(config.tls.cert, 'TLS certificate'), key: readPem(config.tls.key, 'TLS key') } : undefined;
  const server = new HttpServer({ host, port, tls, auth: config.auth, onError: (err) => log(`meterkit: request failed: ${String(err)}`) });
  server.route('/metrics', createMetricsHandler(registry));
  server.route('/debug/vars', createJsonHandler(registry));
  server.route('/healthz', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok\n');
  });
  try {
    await server.listen();
  } catch (err) {
    await processCollector?.close();
    throw err;
  }
  const url = server.url();
  log(`meterkit agent: serving ${url}/metrics, ${url}/debug/vars and ${url}/healthz${config.auth ? ' (auth required)' : ''}`);
  return {
    registry,
    url,
    close: async () => {
      await processCollector?.close();
      await server.close();
      await registry.close();
    },
  };
}
