/**
 * The peer monitor's command-line flags on `meterkit agent`: the monitor side (`--monitor`,
 * `--monitor-nats`, …) and the reporting side (`--report-to`, `--peer-id`, …).
 */
import { hostname } from 'node:os';
import { parseDuration } from '../core/options.js';
import type { DetectorOptions } from '../monitor/types.js';
import { reportTiming } from '../monitor/reporter.js';
import { monitorIngestUrl } from '../monitor/http-sender.js';
import { MeterkitError } from '../core/errors.js';
import { parseNatsServers } from '../monitor/nats.js';
import { PEER_ID_RULE, isPeerId } from '../monitor/validate.js';
import type { AuthOptions } from '../http/auth.js';
import { authFrom, readSecret } from './secrets.js';
import { UsageError, asUsage, needsFeature } from './usage.js';

/** The monitor part of an agent's config (`--monitor`). */
export interface MonitorConfig {
  detector: DetectorOptions;
  /** ms between checks; undefined: the Monitor's default (15 s). */
  checkInterval?: number;
  /** A static peer set; undefined: every peer that reports. */
  peers?: string[];
  /** Also ingest from this NATS server (`nats://HOST:PORT`). */
  nats?: string;
}

/** The reporting part of an agent's config (`--report-to`). */
export interface ReportConfig {
  /** `http://HOST:PORT` (a monitor agent) or `nats://HOST:PORT`. */
  to: string;
  transport: 'http' | 'nats';
  peer: string;
  /** ms between reports. */
  interval: number;
  /** ms each reported metric lives. */
  ttl: number;
  /** Credentials the monitor agent requires (`--report-auth-token`, `--report-basic-auth`); HTTP only. */
  auth?: AuthOptions;
}

/** parseArgs options of the monitor and reporting flags. */
export const MONITOR_OPTIONS = {
  monitor: { type: 'boolean' },
  'monitor-nats': { type: 'string' },
  'monitor-detector': { type: 'string' },
  'monitor-check-interval': { type: 'string' },
  'monitor-peers': { type: 'string' },
  'report-to': { type: 'string' },
  'peer-id': { type: 'string' },
  'report-interval': { type: 'string' },
  'report-ttl': { type: 'string' },
  'report-auth-token': { type: 'string' },
  'report-auth-token-file': { type: 'string' },
  'report-basic-auth': { type: 'string' },
  'report-basic-auth-file': { type: 'string' },
} as const;

/** The help lines of the monitor and reporting flags. */
export const MONITOR_HELP = `Monitor (a peer monitor: alerts when a peer's heartbeat expires; alerts go to stderr):
  --monitor                 Accept metrics on POST /monitor/v1/metrics; serve GET
                            /monitor/v1/peers and /monitor/v1/metrics/NAME (same auth)
  --monitor-nats <url>      Also take metrics from NATS, nats://HOST:PORT (implies --monitor)
  --monitor-detector <d>    ttl (default: down when the latest metric expired) or phi
                            (phi-accrual over the arrival times, threshold 8)
  --monitor-check-interval <dur>  How often peers are checked (default 15s)
  --monitor-peers <a,b,c>   The peers expected (default: every peer that reports,
                            forgotten an hour after its last metric)
Reporting (send a heartbeat and this process's CPU, memory and event-loop lag):
  --report-to <url>         A monitor: http://HOST:PORT (an agent with --monitor) or
                            nats://HOST:PORT; no credentials in the URL
  --report-auth-token <t>   Credentials the monitor agent requires (or
  --report-auth-token-file <path>  METERKIT_REPORT_AUTH_TOKEN); --report-basic-auth
                            <user:pass>, --report-basic-auth-file <path> (or
                            METERKIT_REPORT_BASIC_AUTH) likewise. Never this agent's own
                            --auth-token/--basic-auth: those guard its inbound side
  --peer-id <id>            This peer's id (default HOSTNAME:PID, new on every start)
  --report-interval <dur>   Time between reports (default 5s)
  --report-ttl <dur>        How long each report counts as alive (default 15s, or three
                            intervals when longer; more than --report-interval)
`;

type Values = { [K in keyof typeof MONITOR_OPTIONS]?: (typeof MONITOR_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };

/** The default peer id: this host's name and the process id. */
export function defaultPeerId(): string {
  return `${hostname()}:${process.pid}`;
}

/** NATS server URLs (`nats://HOST:PORT`, comma-separated), checked by the transport's rule. */
function natsUrl(flag: string, text: string): string {
  try {
    return parseNatsServers(text).join(',');
  } catch (err) {
    if (err instanceof MeterkitError) throw new UsageError(`${flag}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** A peer id, checked by the monitor's rule; a usage error naming the flag otherwise. */
function peerId(flag: string, text: string): string {
  if (!isPeerId(text)) throw new UsageError(`invalid ${flag} ${JSON.stringify(text)}: ${PEER_ID_RULE}`);
  return text;
}

/** The reporter's outbound credentials: its own flags, files and variables, never the agent's inbound ones. */
function reportAuth(v: Values, env: NodeJS.ProcessEnv): AuthOptions | undefined {
  const token = readSecret({ flag: '--report-auth-token', value: v['report-auth-token'], fileFlag: '--report-auth-token-file', file: v['report-auth-token-file'], envName: 'METERKIT_REPORT_AUTH_TOKEN', env });
  const basic = readSecret({ flag: '--report-basic-auth', value: v['report-basic-auth'], fileFlag: '--report-basic-auth-file', file: v['report-basic-auth-file'], envName: 'METERKIT_REPORT_BASIC_AUTH', env });
  return authFrom(token, basic);
}

function detector(text: string | undefined): DetectorOptions {
  if (text === undefined || text === 'ttl') return { kind: 'ttl' };
  if (text === 'phi') return { kind: 'phi' };
  throw new UsageError(`unknown --monitor-detector ${JSON.stringify(text)}: use ttl or phi`);
}

/**
 * Turns the monitor flags into the monitor and reporting configs (each undefined when not
 * asked for). Every value is checked here, so a bad one is a usage error naming the flag.
 */
export function parseMonitorFlags(v: Values, env: NodeJS.ProcessEnv = process.env): { monitor?: MonitorConfig; report?: ReportConfig } {
  const out: { monitor?: MonitorConfig; report?: ReportConfig } = {};
  const nats = v['monitor-nats'];
  if (v.monitor === true || nats !== undefined) {
    const ci = v['monitor-check-interval'];
    const peers = v['monitor-peers'];
    const list = peers?.split(',').map((p) => peerId('--monitor-peers peer', p.trim()));
    out.monitor = {
      detector: detector(v['monitor-detector']),
      checkInterval: ci === undefined ? undefined : asUsage(() => parseDuration('--monitor-check-interval', ci)),
      peers: list,
      nats: nats === undefined ? undefined : natsUrl('--monitor-nats', nats),
    };
  } else {
    const given = (['monitor-detector', 'monitor-check-interval', 'monitor-peers'] as const).find((k) => v[k] !== undefined);
    if (given !== undefined) throw needsFeature(`--${given}`, 'monitor');
  }
  const to = v['report-to'];
  if (to === undefined) {
    const given = (['peer-id', 'report-interval', 'report-ttl', 'report-auth-token', 'report-auth-token-file', 'report-basic-auth', 'report-basic-auth-file'] as const).find((k) => v[k] !== undefined);
    if (given !== undefined) throw needsFeature(`--${given}`, 'report', 'the monitor to report to');
    return out;
  }
  const transport = to.startsWith('nats:') ? 'nats' : 'http';
  if (transport === 'http') asUsage(() => monitorIngestUrl(to));
  const ri = v['report-interval'];
  const rt = v['report-ttl'];
  const { interval, ttl } = asUsage(() =>
    reportTiming(
      ri === undefined ? undefined : parseDuration('--report-interval', ri),
      rt === undefined ? undefined : parseDuration('--report-ttl', rt),
      { interval: '--report-interval', ttl: '--report-ttl' },
    ),
  );
  const peer = peerId('--peer-id', v['peer-id'] ?? defaultPeerId());
  out.report = { to: transport === 'nats' ? natsUrl('--report-to', to) : to, transport, peer, interval, ttl };
  const auth = reportAuth(v, env);
  if (auth !== undefined) {
    if (transport === 'nats') throw new UsageError('--report-auth-token and --report-basic-auth (or their files and variables) are for an http:// monitor, not NATS');
    out.report.auth = auth;
  }
  return out;
}
