/**
 * The schema's building blocks: each value type of the config file checked by the same rule
 * the command line uses (core/options, core/address, the features' own checks), so a file and
 * a flag can never disagree on what is valid. A rule's message (naming the value and the rule)
 * becomes the issue's message; the loader adds the file, line, column and key path.
 */
import { z } from 'zod';
import { parseHostPort } from '../../core/address.js';
import { MeterkitError } from '../../core/errors.js';
import { checkDuration, checkWhole, parseDuration } from '../../core/options.js';
import type { WholeRange } from '../../core/options.js';
import { UsageError } from '../usage.js';

/** Runs a check; its coded (or usage) error becomes an issue on the value, and `z.NEVER` is returned. */
export function rule<T>(ctx: z.RefinementCtx, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof MeterkitError || err instanceof UsageError) {
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
    throw err;
  }
}

/** A duration: ms as a number, or text with a unit (`1500`, `1500ms`, `2s`, `5m`, `1h`); the key names it in messages. */
export function duration(what: string, min = 1) {
  return z
    .union([z.number(), z.string()], { error: `expected a duration: ms as a number, or text such as 500ms, 2s, 5m, 1h` })
    .transform((v, ctx) => rule(ctx, () => (typeof v === 'number' ? checkDuration(what, v, min) : parseDuration(what, v, min))))
    .describe(`duration (ms, or 500ms, 2s, 5m, 1h)${min === 0 ? '; 0: none' : ''}`);
}

/** A whole number in `range` (default ≥ 1). */
export function whole(what: string, range?: WholeRange) {
  return z
    .number()
    .transform((v, ctx) => rule(ctx, () => checkWhole(what, v, range)))
    .describe(`whole number${range?.min === 0 ? ' ≥ 0' : ' ≥ 1'}`);
}

/** A `host:port` address (`[::1]:9464` for IPv6; port 0: any free port). */
export function address(what: string) {
  return z
    .string()
    .superRefine((v, ctx) => void rule(ctx, () => parseHostPort(v, what)))
    .describe('host:port');
}

/** A non-empty string. */
export function text(description: string) {
  return z.string().min(1, { message: 'must not be empty' }).describe(description);
}

/** A secret given in the file, or a file holding it: `<key>` and `<key>_file` (one trailing newline trimmed). */
export const SECRET_SUFFIX = '_file';

/**
 * Marks a subtree of the file as secret: the one place that says what is secret. The loader never
 * quotes a value at or under it (whatever its type: a bare string where credentials are expected
 * is still the secret), and the reference says so.
 */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ secret: true });
}
