/**
 * One rule per kind of option value. Every duration, size and count that a caller or the
 * command line gives is checked here, so the message and the code are the same everywhere.
 */
import { ErrorCode, MeterkitError, describeValue } from './errors.js';

/**
 * The longest delay Node's timers honour (2^31 − 1 ms, about 24.8 days). A longer one fires
 * after 1 ms with a TimeoutOverflowWarning, so it is refused instead of silently spinning.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Bounds of a whole-number option. */
export interface WholeRange {
  /** Smallest value allowed. Default 1. */
  min?: number;
  /** Largest value allowed. Default Number.MAX_SAFE_INTEGER. */
  max?: number;
}

/**
 * Checks a whole-number option (a count, a size in bytes or events).
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming `what`, the value and the rule.
 */
export function checkWhole(what: string, v: unknown, range: WholeRange = {}): number {
  const min = range.min ?? 1;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  const rule = max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
  throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what} ${describeValue(v)}: it must be ${rule}`);
}

/**
 * Checks a duration in milliseconds: a whole number from `min` (default 1) to
 * {@link MAX_TIMER_MS}, the longest delay a timer can wait.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT`
 */
export function checkDuration(what: string, v: unknown, min = 1): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= MAX_TIMER_MS) return v;
  throw new MeterkitError(
    ErrorCode.InvalidArgument,
    `invalid ${what} ${describeValue(v)}: a duration must be a whole number of ms from ${min} to ${MAX_TIMER_MS} (about 24.8 days)`,
  );
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses a whole number written in plain decimal digits, as every command-line flag takes
 * them: `0x10`, `1e3`, `+5`, ` 7`, `010` and `5.0` are refused rather than guessed at.
 * The result is then checked like any other option (`range`).
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming `what` and the text.
 */
export function parseWhole(what: string, text: string, range: WholeRange = {}): number {
  if (!DECIMAL.test(text)) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what} ${describeValue(text)}: write a whole number in decimal digits (no sign, exponent, hex or leading zero)`);
  }
  return checkWhole(what, Number(text), range);
}

const DURATION = /^(0|[1-9][0-9]*)(ms|s|m|h)?$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration as the command line and spec strings write it: a whole number in decimal
 * digits, in ms, or followed by a unit (`ms`, `s`, `m`, `h`): `1500`, `1500ms`, `2s`, `5m`.
 * Bounded like {@link checkDuration}; returns ms.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming `what` and the text.
 */
export function parseDuration(what: string, text: string, min = 1): number {
  const m = DURATION.exec(text);
  if (m === null) {
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `invalid ${what} ${describeValue(text)}: write a whole number of ms, or one with a unit (ms, s, m, h), e.g. 1500 or 2s (decimal digits: no sign, fraction, exponent, hex or leading zero)`,
    );
  }
  return checkDuration(what, Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] as number), min);
}
