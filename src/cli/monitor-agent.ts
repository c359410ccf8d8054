/**
 * The agent's monitor and reporting parts: wires the Monitor to the agent's HTTP server (and
 * NATS), logs its alerts, and runs a Reporter towards another monitor.
 */
import { ErrorCode, MeterkitError } from '../core/errors.js';
import type { Recorder } from '../core/recorder.js';
import type { AuthOptions } from '../http/auth.js';
import type { HttpServer } from '../http/server.js';
import { Monitor } from '../monitor/monitor.js';
import { MONITOR_HTTP_BASE, createMonitorApi } from '../monitor/http.js';
import { httpSender } from '../monitor/http-sender.js';
import { Reporter } from '../monitor/reporter.js';
import type { Sender } from '../monitor/reporter.js';
import { connectNatsPublisher, startNatsIngest } from '../monitor/nats.js';
import type { NatsIngest, NatsPublisher } from '../monitor/nats.js';
import type { Alert } from '../monitor/types.js';
import type { MonitorConfig, ReportConfig } from './monitor.js';
import type { Publish } from './notify-sources.js';
import { notifyAlerts } from './notify-sources.js';

/** What the agent hands to {@link startMonitorParts}. */
export interface MonitorPartsContext {
  server: HttpServer;
  /** Where the monitor's own metrics go (the agent's registry, and the stream when on). */
  recorder: Recorder;
  /** The agent's inbound credentials (what its server requires); never sent by the reporter, which has its own (ReportConfig.auth). */
  auth: AuthOptions | undefined;
  log: (line: string) => void;
  /** Where alerts go as notifications (`--notify`); null: logged only. */
  publish?: Publish | null;
}

/** The monitor and reporter of a running agent. */
export interface MonitorParts {
  readonly monitor: Monitor | null;
  readonly reporter: Reporter | null;
  /** Starts reporting (after the agent listens, so an agent may report to itself). */
  startReporting(): void;
  /** Stops reporting, then the NATS links, then the monitor. */
  close(): Promise<void>;
}

/**
 * The line an alert is logged as: `meterkit monitor: down peer "p1" metric "ping" (last seen 1200 ms before)`;
 * an `up` says how long the outage lasted: `… (last seen 0 ms before; down for 8000 ms)`.
 */
export function formatAlert(a: Alert): string {
  const phi = a.phi === undefined ? '' : `; phi ${a.phi.toFixed(2)}`;
  const lasted = a.downSince === undefined ? '' : `; down for ${a.time - a.downSince} ms`;
  return `meterkit monitor: ${a.kind} peer ${JSON.stringify(a.peer)} metric ${JSON.stringify(a.metric)} (last seen ${a.time - a.lastSeen} ms before${lasted}${phi})`;
}

/**
 * Builds the monitor (mounted on the server under `/monitor/v1`, NATS ingest connected) and
 * the reporter (its NATS publisher connected). On a failure, whatever was started is closed.
 */
export async function startMonitorParts(m: MonitorConfig | undefined, r: ReportConfig | undefined, ctx: MonitorPartsContext): Promise<MonitorParts> {
  const { log } = ctx;
  let monitor: Monitor | null = null;
  let ingest: NatsIngest | null = null;
  let publisher: NatsPublisher | null = null;
  let reporter: Reporter | null = null;
  const close = async (): Promise<void> => {
    await reporter?.close();
    await publisher?.close();
    await ingest?.close();
    await monitor?.close();
  };
  try {
    if (m !== undefined) {
      const mon = new Monitor({ detector: m.detector, checkInterval: m.checkInterval, peers: m.peers, recorder: ctx.recorder, onError: (err) => log(`meterkit monitor: ${err.message}`) });
      monitor = mon;
      mon.on('alert', (a) => log(formatAlert(a)));
      notifyAlerts(mon, ctx.publish);
      ctx.server.routeTree(MONITOR_HTTP_BASE, createMonitorApi(mon, { metrics: ctx.recorder }));
      if (m.nats !== undefined) {
        ingest = await startNatsIngest({ servers: m.nats, name: 'meterkit monitor', onBatch: (batch) => void mon.logMetrics(batch), metrics: ctx.recorder, onError: (err) => log(`meterkit monitor: ${err.message}`) });
        ingest.on('status', (s: string) => log(`meterkit monitor: NATS ${m.nats ?? ''} ${s}`));
      }
      mon.start();
    }
    if (r !== undefined) {
      let send: Sender;
      if (r.transport === 'nats') {
        const pub = await connectNatsPublisher({ servers: r.to, name: `meterkit reporter ${r.peer}`, onError: (err) => log(`meterkit reporter: ${err.message}`) });
        publisher = pub;
        pub.on('status', (s: string) => log(`meterkit reporter: NATS ${r.to} ${s}`));
        send = async (batch) => {
          if (!pub.publish(batch)) throw new MeterkitError(ErrorCode.Nats, `NATS ${r.to} is not connected: the batch was dropped`);
        };
      } else {
        // a send that takes longer than the ttl is too late to keep the peer up anyway; the
        // credentials are the reporter's own (--report-auth-*), never the agent's inbound ones
        send = httpSender({ url: r.to, auth: r.auth, timeout: r.ttl });
      }
      reporter = new Reporter({ peer: r.peer, interval: r.interval, ttl: r.ttl, send, onError: (err) => log(`meterkit reporter: ${err.message}`) });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    monitor,
    reporter,
    startReporting: () => void reporter?.start(),
    close,
  };
}
