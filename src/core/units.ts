import { ErrorCode, MeterkitError, describeValue } from './errors.js';

/**
 * Units a metric can be described with. Each value is the unit's wire string, the exact
 * word that travels in the TCP stream and in OpenMetrics `# UNIT` lines.
 */
export const Unit = Object.freeze({
  Count: 'count',
  Percent: 'percent',
  Seconds: 'seconds',
  Milliseconds: 'milliseconds',
  Microseconds: 'microseconds',
  Nanoseconds: 'nanoseconds',
  Tebibytes: 'tebibytes',
  Gibibytes: 'gibibytes',
  Mebibytes: 'mebibytes',
  Kibibytes: 'kibibytes',
  Bytes: 'bytes',
  TerabitsPerSecond: 'terabits_per_second',
  GigabitsPerSecond: 'gigabits_per_second',
  MegabitsPerSecond: 'megabits_per_second',
  KilobitsPerSecond: 'kilobits_per_second',
  BitsPerSecond: 'bits_per_second',
  CountPerSecond: 'count_per_second',
} as const);

/** A unit's wire string. */
export type Unit = (typeof Unit)[keyof typeof Unit];

const LABELS: Readonly<Record<Unit, string>> = {
  count: '',
  percent: '%',
  seconds: 's',
  milliseconds: 'ms',
  microseconds: 'µs',
  nanoseconds: 'ns',
  tebibytes: 'TiB',
  gibibytes: 'GiB',
  mebibytes: 'MiB',
  kibibytes: 'KiB',
  bytes: 'B',
  terabits_per_second: 'Tbps',
  gigabits_per_second: 'Gbps',
  megabits_per_second: 'Mbps',
  kilobits_per_second: 'kbps',
  bits_per_second: 'bps',
  count_per_second: '/s',
};

const ALL = new Set<string>(Object.values(Unit));

/** Every unit, in declaration order. */
export const ALL_UNITS: readonly Unit[] = Object.freeze(Object.values(Unit));

/** True when `s` is a unit wire string. */
export function isUnit(s: unknown): s is Unit {
  return typeof s === 'string' && ALL.has(s);
}

/**
 * Parses a unit wire string (`"seconds"`, `"bytes"`, …).
 * @throws MeterkitError `ERR_METERKIT_INVALID_UNIT` naming the value and the accepted words.
 */
export function parseUnit(s: unknown): Unit {
  if (isUnit(s)) return s;
  throw new MeterkitError(
    ErrorCode.InvalidUnit,
    `invalid unit ${describeValue(s)}: a unit must be one of ${ALL_UNITS.join(', ')}`,
  );
}

/** The short display label of a unit (`s`, `ms`, `MiB`, `/s`, …); empty for `count`. */
export function unitLabel(unit: Unit): string {
  return LABELS[unit];
}
