/**
 * The notification flags of `meterkit agent`: endpoints from `--notify` specs, the queue and
 * the state directory. Every value is checked here, so a bad one is a usage error (exit 2)
 * naming the flag and the value; a secret is never shown.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDuration, parseWhole } from '../core/options.js';
import { parseNatsServers } from '../core/nats-url.js';
import type { EndpointConfig } from '../notify/index.js';
import { redactUrl, resolveEndpointConfig } from '../notify/index.js';
import { REDACTED, redactFlagValues } from '../json/index.js';
import { readSecret } from './secrets.js';
import { UsageError, needsFeature, asUsage } from './usage.js';

/** The notification part of an agent's config. */
export interface NotifyConfig {
  endpoints: EndpointConfig[];
  /** `sqlite` (durable, default), `memory` (lossy) or `nats` (JetStream on {@link NotifyConfig.nats}). */
  queue: 'sqlite' | 'memory' | 'nats';
  /** Directory of the durable queue. */
  stateDir: string;
  /** NATS servers (normalized, comma-separated) of the JetStream queue. */
  nats?: string;
  /**
   * `both` (local queues: takes events and delivers them), `producer` (a JetStream queue: takes
   * events, workers deliver) or `worker` (`--notify-worker`: delivers only). Default: `producer`
   * on JetStream, else `both`.
   */
  role?: 'both' | 'producer' | 'worker';
}

/** parseArgs options of the notification flags. */
export const NOTIFY_OPTIONS = {
  notify: { type: 'string', multiple: true },
  'notify-queue': { type: 'string' },
  'state-dir': { type: 'string' },
  'notify-worker': { type: 'boolean' },
} as const;

/** The help lines of the notification flags. */
export const NOTIFY_HELP = `Notifications (webhooks; events from POST /notify/v1/events, the monitor, Docker, the proxy):
  --notify <spec>           A webhook endpoint, repeatable: URL[,name=NAME][,secret=whsec_…]
                            [,secret-file=PATH][,timeout=5s][,threshold=3][,backoff=1s]
                            [,max-backoff=60s][,max-attempts=10][,format=meterkit|cloudevents]
                            [,ignore=ACTION|ACTION…][,batch=100][,batch-wait=0]
                            [,batch-bytes=1048576]
                            [,header=Name:Value (repeatable)][,ca=PEM-FILE]
                            (the URL ends at the first comma; name defaults to the URL's
                            host-port; the secret may also come from the variable
                            METERKIT_NOTIFY_SECRET_<NAME>, NAME upper-cased, other chars _)
  --notify-queue <kind>     sqlite (durable, default), memory (lossy: a restart loses
                            events not yet delivered), or nats://HOST:PORT[,…] (NATS
                            JetStream: this agent only queues; --notify-worker agents deliver)
  --notify-worker           Deliver from the JetStream queue only (needs --notify-queue
                            nats://…; same --notify endpoint names as the producers)
  --state-dir <dir>         Where the durable queue lives (default $XDG_STATE_HOME/meterkit,
                            else ~/.local/state/meterkit)
`;

type Values = { notify?: string[]; 'notify-queue'?: string; 'state-dir'?: string; 'notify-worker'?: boolean };

/** The default state directory: `$XDG_STATE_HOME/meterkit`, else `~/.local/state/meterkit`. */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_STATE_HOME;
  // the XDG spec says a relative value is invalid and must be ignored
  if (xdg !== undefined && xdg.startsWith('/')) return join(xdg, 'meterkit');
  return join(homedir(), '.local', 'state', 'meterkit');
}

/** The state directory from `--state-dir`, else the default. */
export function stateDirFlag(value: string | undefined, env: NodeJS.ProcessEnv): string {
  if (value === '') throw new UsageError('--state-dir "" is empty: give a directory');
  return value ?? defaultStateDir(env);
}

/** The environment variable that may hold the secret of endpoint `name`. */
export function secretEnvName(name: string): string {
  return `METERKIT_NOTIFY_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** A name from the URL: `127.0.0.1-8088`, `hooks.example.com-443`. */
function nameFromUrl(url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return `${url.hostname.replace(/^\[|\]$/g, '')}-${port}`.replace(/[^A-Za-z0-9._-]/g, '-');
}

const KEYS = new Set(['name', 'secret', 'secret-file', 'timeout', 'threshold', 'backoff', 'max-backoff', 'max-attempts', 'format', 'ignore', 'batch', 'batch-wait', 'batch-bytes', 'header', 'ca']);

/**
 * One `--notify` spec as an endpoint configuration, checked by the notify library's rule.
 * @throws UsageError naming the flag, the key and the value (never a secret's value).
 */
export function parseNotifySpec(spec: string, env: NodeJS.ProcessEnv): EndpointConfig {
  const [rawUrl = '', ...items] = spec.split(',');
  // the URL as errors show it: never its password
  const shown = redactUrl(rawUrl, REDACTED);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch (err) {
    throw new UsageError(`--notify "${shown}": not an absolute http: or https: URL`, { cause: err });
  }
  const kv = new Map<string, string>();
  const headers: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    const key = i < 0 ? item : item.slice(0, i);
    if (!KEYS.has(key)) throw new UsageError(`--notify "${shown}": unknown option "${key}": use ${[...KEYS].join(', ')}`);
    if (i < 0) throw new UsageError(`--notify "${shown}": option "${key}" needs a value (${key}=…)`);
    const value = item.slice(i + 1);
    if (key === 'header') {
      const c = value.indexOf(':');
      if (c <= 0) throw new UsageError(`--notify "${shown}": header "${value.slice(0, Math.max(c, 0)) || '(empty)'}" must be Name:Value`);
      headers[value.slice(0, c).trim()] = value.slice(c + 1).trim();
      continue;
    }
    if (kv.has(key)) throw new UsageError(`--notify "${shown}": option "${key}" is given twice`);
    kv.set(key, value);
  }
  const name = kv.get('name') ?? nameFromUrl(url);
  const flag = `--notify ${name}`;
  const dur = (key: string, min = 1): number | undefined => {
    const t = kv.get(key);
    return t === undefined ? undefined : asUsage(() => parseDuration(`${flag} ${key}`, t, min));
  };
  const whole = (key: string): number | undefined => {
    const t = kv.get(key);
    return t === undefined ? undefined : asUsage(() => parseWhole(`${flag} ${key}`, t));
  };
  const format = kv.get('format');
  if (format !== undefined && format !== 'meterkit' && format !== 'cloudevents') throw new UsageError(`${flag} format "${format}": use meterkit or cloudevents`);
  const ignore = kv.get('ignore');
  const caFile = kv.get('ca');
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${flag} ca "${caFile}": ${(err as Error).message}`, { cause: err });
    }
  }
  const secret = readSecret({ flag: `${flag} secret=`, value: kv.get('secret'), fileFlag: `${flag} secret-file=`, file: kv.get('secret-file'), envName: secretEnvName(name), env });
  const config: EndpointConfig = {
    name,
    url: url.href,
    headers,
    timeout: dur('timeout'),
    threshold: whole('threshold'),
    backoff: dur('backoff'),
    maxBackoff: dur('max-backoff'),
    maxAttempts: whole('max-attempts'),
    format,
    ignore: ignore === undefined ? undefined : { actions: ignore.split('|') },
    maxEvents: whole('batch'),
    maxWait: dur('batch-wait', 0),
    maxBatchBytes: whole('batch-bytes'),
    secret,
    ca,
  };
  // the library's one rule for the rest (URL scheme, header names, secret form, bounds)
  asUsage(() => resolveEndpointConfig(config));
  return config;
}

/**
 * Turns the notification flags into a config; undefined without `--notify`.
 * @throws UsageError on a bad spec, a repeated name, or a queue flag without `--notify`.
 */
export function parseNotifyFlags(v: Values, env: NodeJS.ProcessEnv): NotifyConfig | undefined {
  const specs = v.notify ?? [];
  const queue = v['notify-queue'];
  const worker = v['notify-worker'] === true;
  if (specs.length === 0) {
    if (queue !== undefined) throw needsFeature('--notify-queue', 'notify');
    if (worker) throw needsFeature('--notify-worker', 'notify', 'the endpoints it delivers to');
    return undefined;
  }
  const { nats, ...q } = parseNotifyQueue(queue, worker);
  const endpoints = specs.map((s) => parseNotifySpec(s, env));
  const names = new Set<string>();
  for (const e of endpoints) {
    if (names.has(e.name)) throw new UsageError(`--notify: two endpoints are named "${e.name}": give each a name=…`);
    names.add(e.name);
  }
  const config: NotifyConfig = { endpoints, ...q, stateDir: stateDirFlag(v['state-dir'], env) };
  if (nats !== undefined) config.nats = nats;
  return config;
}

/**
 * The queue and role of `--notify-queue` and `--notify-worker` (or the file's keys beside them).
 * @throws UsageError on an unknown queue, or a worker without a shared (NATS) queue.
 */
export function parseNotifyQueue(queue: string | undefined, worker: boolean): Pick<NotifyConfig, 'queue' | 'nats' | 'role'> {
  let nats: string | undefined;
  if (queue !== undefined && queue.startsWith('nats:')) nats = asUsage(() => parseNatsServers(queue)).join(',');
  else if (queue !== undefined && queue !== 'sqlite' && queue !== 'memory') throw new UsageError(`unknown --notify-queue "${queue}": use sqlite, memory or nats://HOST:PORT`);
  if (worker && nats === undefined) throw new UsageError('--notify-worker needs --notify-queue nats://HOST:PORT: only a shared queue has workers');
  const kind = nats !== undefined ? 'nats' : ((queue ?? 'sqlite') as 'sqlite' | 'memory');
  const out: Pick<NotifyConfig, 'queue' | 'nats' | 'role'> = { queue: kind, role: nats === undefined ? 'both' : worker ? 'worker' : 'producer' };
  if (nats !== undefined) out.nats = nats;
  return out;
}

/** A `--notify` spec with its secret, header values and URL password replaced by `[REDACTED]`. */
export function redactNotifySpec(spec: string): string {
  const [rawUrl = '', ...items] = spec.split(',');
  // user:password@ in the URL: the password is a secret too
  const url = redactUrl(rawUrl, REDACTED);
  const out = items.map((item) => {
    if (item.startsWith('secret=')) return `secret=${REDACTED}`;
    if (item.startsWith('header=')) {
      const c = item.indexOf(':');
      return c < 0 ? `header=${REDACTED}` : `${item.slice(0, c + 1)}${REDACTED}`;
    }
    return item;
  });
  return [url, ...out].join(',');
}

/** A command line with every `--notify` spec redacted ({@link redactNotifySpec}). */
export function redactNotifyArgv(argv: readonly string[]): string[] {
  return redactFlagValues(argv, '--notify', redactNotifySpec);
}
