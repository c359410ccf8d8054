/**
 * Remote write on `meterkit agent`: the `--remote-write*` flags, the config they turn into
 * (one {@link RemoteWriteConfig} per receiver: what a config file's `remote_write` list holds
 * too), and the writers the agent runs.
 */
import { MeterkitError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import type { AuthOptions } from '../http/auth.js';
import { redactUrl } from '../core/redact.js';
import { redactFlagValues } from '../json/index.js';
import type { ClientTls, RemoteWriteOptions, RemoteWriteSource } from '../remote-write/index.js';
import type { RemoteWriter } from '../remote-write/index.js';
import type { ResolvedOptions } from '../remote-write/options.js';
import { checkUrl, resolveOptions } from '../remote-write/options.js';
import { authFrom, readSecret } from './secrets.js';
import { UsageError, asUsage, durationFlag, needsFeature, wholeFlag } from './usage.js';

/**
 * One receiver: the library's options (RemoteWriteOptions) without what the agent supplies
 * itself (source, metrics, onError, now). A config file's `remote_write` entries take the same
 * keys; the flags map to them as the README's table says (`--remote-write-buffer` is
 * `maxPendingSamples`, …). Durations in ms.
 */
export type RemoteWriteConfig = Omit<RemoteWriteOptions, 'url' | 'source' | 'metrics' | 'onError' | 'now'> & { url: string };

/** parseArgs options of the remote-write flags. */
export const REMOTE_WRITE_OPTIONS = {
  'remote-write': { type: 'string', multiple: true },
  'remote-write-interval': { type: 'string' },
  'remote-write-label': { type: 'string', multiple: true },
  'remote-write-header': { type: 'string', multiple: true },
  'remote-write-bearer-token': { type: 'string' },
  'remote-write-bearer-token-file': { type: 'string' },
  'remote-write-basic-auth': { type: 'string' },
  'remote-write-basic-auth-file': { type: 'string' },
  'remote-write-ca': { type: 'string' },
  'remote-write-cert': { type: 'string' },
  'remote-write-key': { type: 'string' },
  'remote-write-insecure-skip-verify': { type: 'boolean' },
  'remote-write-timeout': { type: 'string' },
  'remote-write-shards': { type: 'string' },
  'remote-write-max-samples-per-send': { type: 'string' },
  'remote-write-buffer': { type: 'string' },
} as const;

/** The help lines of the remote-write flags. */
export const REMOTE_WRITE_HELP = `Remote write (push every series to Prometheus, VictoriaMetrics, Mimir, Thanos…):
  --remote-write <url>      Send a snapshot of every metric to this remote-write URL (e.g.
                            http://127.0.0.1:9090/api/v1/write); repeat for more receivers.
                            The flags below apply to every --remote-write URL
  --remote-write-interval <d>  Time between snapshots (default 15s; 500ms, 10s, 1m…)
  --remote-write-label <name=value>  Add this label to every series (repeatable)
  --remote-write-header <"Name: value">  Add this request header (repeatable)
  --remote-write-bearer-token <t>  Send "Authorization: Bearer <t>" (or set
  --remote-write-bearer-token-file <path>  METERKIT_REMOTE_WRITE_BEARER_TOKEN)
  --remote-write-basic-auth <user:pass>  Send basic auth (or set
  --remote-write-basic-auth-file <path>  METERKIT_REMOTE_WRITE_BASIC_AUTH)
  --remote-write-ca <file>  PEM CA certificates to trust for an https: URL
  --remote-write-cert <file>  PEM client certificate (with --remote-write-key)
  --remote-write-key <file>   Its PEM private key
  --remote-write-insecure-skip-verify  Accept any server certificate (tests only)
  --remote-write-timeout <d>  Time one request may take (default 30s)
  --remote-write-shards <n>   Parallel senders (default 1)
  --remote-write-max-samples-per-send <n>  Samples per request (default 2000)
  --remote-write-buffer <n>   Samples buffered while a receiver is away; beyond it the
                            oldest are dropped and counted (default 1000000)
`;

/**
 * Flags whose values /debug/vars must not publish, beyond those the default rule catches
 * (`--remote-write-bearer-token` has "token" in its name): basic credentials, and headers
 * (an API key travels in one as often as a tenant name).
 */
export const REMOTE_WRITE_SECRET_FLAGS: readonly string[] = Object.freeze(['--remote-write-basic-auth', '--remote-write-header']);

type Values = { [K in keyof typeof REMOTE_WRITE_OPTIONS]?: (typeof REMOTE_WRITE_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof REMOTE_WRITE_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };

/** `shown`: the item may be quoted in the message (a header's value may be a key: it is not). */
function pairs(flag: string, list: string[] | undefined, sep: string, shown: boolean, split: (s: string) => [string, string] | null): Record<string, string> | undefined {
  if (list === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const p = split(item);
    if (p === null) throw new UsageError(`invalid ${flag} ${shown ? JSON.stringify(item) : '(value not shown)'}: write it as name${sep}value`);
    out[p[0]] = p[1];
  }
  return out;
}

/** The variables that give every receiver its credentials when the flags (or a file's entry) give none. */
export const REMOTE_WRITE_ENV = { token: 'METERKIT_REMOTE_WRITE_BEARER_TOKEN', basic: 'METERKIT_REMOTE_WRITE_BASIC_AUTH' } as const;

/**
 * A receiver's credentials from a token and a `user:password` (flags or a file's keys, named
 * by `names` in messages): one of them at most; undefined when neither is given.
 */
export function remoteWriteAuth(token: string | undefined, basic: string | undefined, names: readonly [string, string]): AuthOptions | undefined {
  if (token !== undefined && basic !== undefined) throw new UsageError(`${names[0]} and ${names[1]} contradict each other: give one`);
  return authFrom(token, basic);
}

/** PEM file paths and the skip flag of a receiver's TLS. */
export interface RemoteWriteTlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  insecureSkipVerify?: boolean | undefined;
}

/**
 * A receiver's TLS settings, the PEM files read (`names`: how the cert and key are called in
 * messages); undefined when nothing is given. The cert and the key go together.
 */
export function remoteWriteTls(f: RemoteWriteTlsFiles, names: readonly [string, string], readPem: (path: string, what: string) => Buffer): ClientTls | undefined {
  if ((f.cert === undefined) !== (f.key === undefined)) throw new UsageError(`${names[0]} and ${names[1]} go together: give both or neither`);
  const tls: ClientTls = {};
  if (f.ca !== undefined) tls.ca = readPem(f.ca, 'remote write CA');
  if (f.cert !== undefined && f.key !== undefined) {
    tls.cert = readPem(f.cert, 'remote write client certificate');
    tls.key = readPem(f.key, 'remote write client key');
  }
  if (f.insecureSkipVerify === true) tls.insecureSkipVerify = true;
  return Object.keys(tls).length > 0 ? tls : undefined;
}

/** Checks a receiver's options by the library's one rule (the sender is not built); returns them resolved. */
export function checkRemoteWrite(c: RemoteWriteConfig): ResolvedOptions {
  return resolveOptions({ ...c, source: { families: () => [] } });
}

/** The options each flag sets, in the order they are checked: a bad one is named by its flag. */
const FLAG_OPTIONS: ReadonlyArray<readonly [string, keyof Omit<RemoteWriteConfig, 'url'>]> = [
  ['--remote-write-interval', 'interval'],
  ['--remote-write-timeout', 'timeout'],
  ['--remote-write-shards', 'shards'],
  ['--remote-write-max-samples-per-send', 'maxSamplesPerSend'],
  ['--remote-write-buffer', 'maxPendingSamples'],
  ['--remote-write-label', 'externalLabels'],
  ['--remote-write-header', 'headers'],
];

/**
 * Checks the flags' options one flag at a time by the library's rule, so the usage error names
 * the flag the user typed (`--remote-write-buffer`), not the library's option (`maxPendingSamples`).
 */
function checkFlags(url: string, shared: Omit<RemoteWriteConfig, 'url'>): void {
  const acc: RemoteWriteConfig = { url };
  for (const [flag, key] of FLAG_OPTIONS) {
    if (shared[key] === undefined) continue;
    Object.assign(acc, { [key]: shared[key] });
    try {
      checkRemoteWrite(acc);
    } catch (err) {
      if (err instanceof MeterkitError) throw new UsageError(`${flag}: ${err.message}`, { cause: err });
      throw err;
    }
  }
}

/** The command line with every `--remote-write` URL redacted (src/core/redact.ts), for /debug/vars. */
export function redactRemoteWriteArgv(argv: readonly string[]): string[] {
  return redactFlagValues(argv, '--remote-write', (url) => redactUrl(url));
}

/** The remote-write receivers the flags ask for; undefined when there is no `--remote-write`. */
export function parseRemoteWriteFlags(v: Values, env: NodeJS.ProcessEnv, readPem: (path: string, what: string) => Buffer): RemoteWriteConfig[] | undefined {
  const urls = v['remote-write'];
  if (urls === undefined) {
    const given = (Object.keys(REMOTE_WRITE_OPTIONS) as Array<keyof Values>).find((k) => v[k] !== undefined);
    if (given !== undefined) throw needsFeature(`--${given}`, 'remoteWrite');
    return undefined;
  }
  for (const u of urls) asUsage(() => checkUrl(u));
  const shared: Omit<RemoteWriteConfig, 'url'> = {};
  const interval = v['remote-write-interval'];
  if (interval !== undefined) shared.interval = durationFlag('--remote-write-interval', interval);
  const timeout = v['remote-write-timeout'];
  if (timeout !== undefined) shared.timeout = durationFlag('--remote-write-timeout', timeout);
  const shards = v['remote-write-shards'];
  if (shards !== undefined) shared.shards = wholeFlag('--remote-write-shards', shards);
  const per = v['remote-write-max-samples-per-send'];
  if (per !== undefined) shared.maxSamplesPerSend = wholeFlag('--remote-write-max-samples-per-send', per);
  const buffer = v['remote-write-buffer'];
  if (buffer !== undefined) shared.maxPendingSamples = wholeFlag('--remote-write-buffer', buffer);
  const labels = pairs('--remote-write-label', v['remote-write-label'], '=', true, (s) => {
    const i = s.indexOf('=');
    return i <= 0 ? null : [s.slice(0, i), s.slice(i + 1)];
  });
  if (labels !== undefined) shared.externalLabels = labels;
  const headers = pairs('--remote-write-header', v['remote-write-header'], ': ', false, (s) => {
    const i = s.indexOf(':');
    return i <= 0 ? null : [s.slice(0, i).trim(), s.slice(i + 1).trim()];
  });
  if (headers !== undefined) shared.headers = headers;
  checkFlags(urls[0] as string, shared);
  const token = readSecret({ flag: '--remote-write-bearer-token', value: v['remote-write-bearer-token'], fileFlag: '--remote-write-bearer-token-file', file: v['remote-write-bearer-token-file'], envName: REMOTE_WRITE_ENV.token, env });
  const basic = readSecret({ flag: '--remote-write-basic-auth', value: v['remote-write-basic-auth'], fileFlag: '--remote-write-basic-auth-file', file: v['remote-write-basic-auth-file'], envName: REMOTE_WRITE_ENV.basic, env });
  const auth = remoteWriteAuth(token, basic, ['--remote-write-bearer-token', '--remote-write-basic-auth']);
  if (auth !== undefined) shared.auth = auth;
  const tls = remoteWriteTls({ ca: v['remote-write-ca'], cert: v['remote-write-cert'], key: v['remote-write-key'], insecureSkipVerify: v['remote-write-insecure-skip-verify'] }, ['--remote-write-cert', '--remote-write-key'], readPem);
  if (tls !== undefined) shared.tls = tls;
  const configs = urls.map((url) => ({ url, ...shared }));
  // every option checked now, so a bad one is a usage error (exit 2) before anything starts
  const names = new Set<string>();
  for (const c of configs) {
    // two writers of one URL would send every sample twice and share their own metrics' series
    const { name, urlLabel } = asUsage(() => checkRemoteWrite(c));
    if (names.has(name)) throw new UsageError(`--remote-write ${urlLabel} is given twice: give each receiver once`);
    names.add(name);
  }
  return configs;
}

/**
 * The writers of an agent: built (options checked) before anything starts. They read `source`
 * (what /metrics serves: the cluster's merge on a primary) and record their own metrics in
 * `registry`. The sender is loaded only when a receiver is configured: an agent that pushes
 * nothing does not load the compressor (snappyjs) and the encoder at all.
 */
export async function remoteWriters(configs: readonly RemoteWriteConfig[], source: RemoteWriteSource, registry: Registry, log: (line: string) => void): Promise<RemoteWriter[]> {
  if (configs.length === 0) return [];
  const { RemoteWriter } = await import('../remote-write/index.js');
  return configs.map((c) => new RemoteWriter({ ...c, source, metrics: registry, onError: (err) => log(`meterkit remote write: ${err.message}`) }));
}

/** Closes the writers together: each has its own flushDeadline, so shutdown waits one, not one per receiver. */
export async function closeRemoteWriters(writers: readonly RemoteWriter[]): Promise<void> {
  await Promise.all(writers.map((w) => w.close()));
}

/** The agent's startup line of a writer; the URL redacted (query values may be credentials). */
export function remoteWriteLogLine(c: RemoteWriteConfig | undefined, w: RemoteWriter): string {
  return `meterkit agent: remote write to ${redactUrl(c?.url ?? '')} every ${c?.interval ?? 15_000} ms (remote_name "${w.name}")`;
}
