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
