/**
 * `meterkit peers`: what a monitor agent knows of its peers, as a table (like
 * `ipfs-cluster-ctl health metrics`) or as the JSON `GET /monitor/v1/peers` returns.
 */
import { parseArgs } from 'node:util';
import { parseDuration } from '../core/options.js';
import { authorizationHeader } from '../http/auth.js';
import { MONITOR_HTTP } from '../monitor/types.js';
import type { PeerStatus } from '../monitor/types.js';
import { AUTH_OPTIONS, readAuthFlags } from './secrets.js';
import { UsageError, asUsage } from './usage.js';

/** The agent `meterkit peers` asks unless `--url` says otherwise. */
export const DEFAULT_PEERS_URL = 'http://127.0.0.1:9464';

/** Help of `meterkit peers`. */
export const PEERS_HELP = `Usage: meterkit peers [--url http://127.0.0.1:9464] [--json] [options]

Shows what a monitor agent (meterkit agent --monitor) knows of its peers: one line per peer
and metric with its latest value, the time since it arrived, its state (up, down, unknown)
and phi (with --monitor-detector phi, once enough samples arrived; "-" otherwise).
Exits 1 when the agent cannot be asked or does not run the monitor.

Options:
  --url <url>               The monitor agent (default ${DEFAULT_PEERS_URL})
  --json                    Print the array GET /monitor/v1/peers returns, as it returns it:
                            {peer, metric, value, lastSeen, expire, state, phi}, times in ms
                            since the epoch
  --timeout <dur>           Give up after this long (default 10s)
  --auth-token <token>      Credentials the agent requires (or METERKIT_AUTH_TOKEN;
  --auth-token-file <path>  or a file); --basic-auth <user:pass>, --basic-auth-file <path>
                            (or METERKIT_BASIC_AUTH) likewise
  -h, --help                Show this help
`;

/** `12ms`, `3.4s`, `5m`, `2h`: the age column. */
export function formatAge(ms: number): string {
  if (ms < 0) return '0ms'; // the agent's clock is ahead of this one
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h${Math.floor((ms % 3_600_000) / 60_000)}m`;
}

/** The table `meterkit peers` prints: a header, then one aligned row per peer and metric. */
export function peersTable(rows: readonly PeerStatus[], now: number): string {
  const cells = [['PEER', 'METRIC', 'VALUE', 'AGE', 'STATE', 'PHI']];
  for (const r of rows) {
    const value = typeof r.value === 'number' ? String(Math.round(r.value * 1000) / 1000) : r.value === '' ? '-' : r.value;
    cells.push([r.peer, r.metric, value, formatAge(now - r.lastSeen), r.state, r.phi === null ? '-' : r.phi.toFixed(2)]);
  }
  const widths = (cells[0] as string[]).map((_, i) => Math.max(...cells.map((c) => (c[i] as string).length)));
  return cells.map((c) => c.map((s, i) => (i === c.length - 1 ? s : s.padEnd(widths[i] as number))).join('  ')).join('\n') + '\n';
}

/** Runs `meterkit peers`; resolves to the exit code, or 'help'. */
export async function peersCommand(args: readonly string[], out: (s: string) => void, err: (s: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number | 'help'> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: { url: { type: 'string' }, json: { type: 'boolean' }, timeout: { type: 'string' }, ...AUTH_OPTIONS, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  const base = values.url ?? DEFAULT_PEERS_URL;
  const rule = `invalid --url ${JSON.stringify(base)}: use http://HOST:PORT or https://HOST:PORT`;
  let url: URL;
  try {
    url = new URL(MONITOR_HTTP.peers, base);
  } catch (e) {
    throw new UsageError(`${rule} (${(e as Error).message})`, { cause: e });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(rule);
  const t = values.timeout;
  const timeout = t === undefined ? 10_000 : asUsage(() => parseDuration('--timeout', t));
  const auth = readAuthFlags(values, env);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (auth !== undefined) headers.Authorization = authorizationHeader(auth);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(timeout) });
    text = await res.text();
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    err(`meterkit peers: cannot ask ${url.toString()}: ${e instanceof Error ? e.message : String(e)}${cause}\n`);
    return 1;
  }
  if (res.status === 404) {
    err(`meterkit peers: ${base} does not run the monitor (start the agent with --monitor)\n`);
    return 1;
  }
  if (!res.ok) {
    err(`meterkit peers: ${url.toString()} answered ${res.status}: ${text.slice(0, 500).trim()}\n`);
    return 1;
  }
  if (values.json) {
    out(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  }
  let rows: PeerStatus[];
  try {
    rows = JSON.parse(text) as PeerStatus[];
    if (!Array.isArray(rows)) throw new Error(`got ${typeof rows}, not an array`);
  } catch (e) {
    err(`meterkit peers: ${url.toString()} did not answer a JSON array: ${(e as Error).message}\n`);
    return 1;
  }
  out(rows.length === 0 ? 'no peers have reported yet\n' : peersTable(rows, Date.now()));
  return 0;
}
