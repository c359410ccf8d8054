import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { MeterkitError } from '../core/errors.js';
import { parseDuration, parseWhole } from '../core/options.js';
import type { WholeRange } from '../core/options.js';

/** A command line the command cannot run: the command exits 2 with the message. */
export class UsageError extends Error {}

/**
 * Runs a check on command-line input: a coded error it throws (bad value) becomes a
 * {@link UsageError}, so the command exits 2 with the message naming the flag, value and rule.
 */
export function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof MeterkitError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

/** A whole-number flag (`--stream-buffer 1024`), parsed by the one rule in core/options. */
export function wholeFlag(flag: string, text: string, range?: WholeRange): number {
  return asUsage(() => parseWhole(flag, text, range));
}

/** A duration flag in ms (`--collect-timeout 10000`), parsed by the one rule in core/options. */
export function durationFlag(flag: string, text: string): number {
  return asUsage(() => parseDuration(flag, text));
}

/** A subcommand's arguments, strict, positionals allowed; parseArgs' complaint becomes a {@link UsageError}. */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: true; options: O }>> {
  try {
    return parseArgs({ args: [...args], strict: true, allowPositionals: true, options });
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
}

/** The features a flag or a config key turns on, and how (the flag; the config file's key). */
export const FEATURE_SWITCHES = {
  process: { flag: 'on unless --no-process is given', key: 'process.enabled' },
  docker: { flag: '--docker (the engine from DOCKER_HOST or the default socket) or --docker URL', key: 'docker' },
  proxy: { flag: '--proxy-bind HOST:PORT --backend HOST:PORT', key: 'proxy.servers' },
  monitor: { flag: '--monitor (or --monitor-nats URL)', key: 'monitor' },
  report: { flag: '--report-to URL', key: 'report.to' },
  notify: { flag: 'at least one --notify URL', key: 'notify.endpoints' },
  stream: { flag: '--stream HOST:PORT (on by default; --no-stream turns it off)', key: 'stream.enabled' },
  cluster: { flag: '--cluster FILE', key: 'cluster.file' },
  remoteWrite: { flag: '--remote-write URL', key: 'remote_write[].url' },
} as const;

/**
 * How to turn `feature` on, naming the flag and the config key — the one text that every "turn it
 * on" hint (usage errors, the dashboard's views of features that are off) gives.
 */
export function howToTurnOn(feature: keyof typeof FEATURE_SWITCHES): string {
  const s = FEATURE_SWITCHES[feature];
  return `${s.flag}; in a config file: ${s.key}`;
}

/** The usage error of a flag given without the feature it belongs to: names the flag and the config key that turn it on. */
export function needsFeature(flag: string, feature: keyof typeof FEATURE_SWITCHES, why = ''): UsageError {
  return new UsageError(`${flag} needs ${howToTurnOn(feature)}${why === '' ? '' : ` (${why})`}`);
}
