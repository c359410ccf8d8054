import { ErrorCode, MeterkitError, describeValue } from './errors.js';

/** Labels as an array of `[name, value]` pairs. */
export type LabelPairs = ReadonlyArray<readonly [string, string]>;

/**
 * Labels of a series: a plain object, an array of `[name, value]` pairs, or a Map. The same set
 * of pairs in any order names the same series. (A plain object or pairs resolve fastest: a Map
 * always takes the slow path.)
 */
export type Labels = Readonly<Record<string, string>> | LabelPairs | ReadonlyMap<string, string>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** True when `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`). */
export function isValidMetricName(name: unknown): name is string {
  return typeof name === 'string' && METRIC_NAME.test(name);
}

/**
 * Checks a metric name.
 * @throws MeterkitError `ERR_METERKIT_INVALID_NAME`
 */
export function validateMetricName(name: unknown): string {
  if (isValidMetricName(name)) return name;
  throw new MeterkitError(
    ErrorCode.InvalidName,
    `invalid metric name ${describeValue(name)}: a metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*`,
  );
}

/**
 * Checks a label name.
 * @throws MeterkitError `ERR_METERKIT_INVALID_LABEL_NAME`
 */
export function validateLabelName(name: unknown, metric?: string): string {
  if (typeof name === 'string' && LABEL_NAME.test(name) && !name.startsWith('__')) return name;
  const where = metric === undefined ? '' : ` on metric "${metric}"`;
  throw new MeterkitError(
    ErrorCode.InvalidLabelName,
    `invalid label name ${describeValue(name)}${where}: a label name must match [a-zA-Z_][a-zA-Z0-9_]* and must not start with "__"`,
  );
}

function badValue(name: string, value: unknown, metric?: string): MeterkitError {
  const where = metric === undefined ? '' : ` on metric "${metric}"`;
  return new MeterkitError(
    ErrorCode.InvalidLabelValue,
    `invalid value ${describeValue(value)} for label "${name}"${where}: a label value must be a string`,
  );
}

/**
 * Splits labels into parallel name and value arrays in the order given, validating every
 * name and value and rejecting a name given twice. This is the slow path: the registry only
 * comes here when a label set is new to it.
 */
export function splitLabels(labels: Labels | undefined, metric?: string): [string[], string[]] {
  if (labels === undefined || labels === null) return [[], []];
  let names: string[];
  let values: string[];
  // Exact-size arrays: the values array is kept by every series, so no spare capacity.
  if (Array.isArray(labels)) {
    const pairs = labels as LabelPairs;
    names = new Array<string>(pairs.length);
    values = new Array<string>(pairs.length);
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i];
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new MeterkitError(
          ErrorCode.InvalidArgument,
          `invalid label pair ${describeValue(pair)}${metric === undefined ? '' : ` on metric "${metric}"`}: each pair must be [name, value]`,
        );
      }
      names[i] = pair[0];
      values[i] = pair[1];
    }
  } else if (labels instanceof Map) {
    names = [...(labels as ReadonlyMap<string, string>).keys()];
    values = [...(labels as ReadonlyMap<string, string>).values()];
  } else if (typeof labels === 'object' && !(Symbol.iterator in labels)) {
    names = Object.keys(labels);
    values = new Array<string>(names.length);
    for (let i = 0; i < names.length; i++) values[i] = (labels as Record<string, string>)[names[i] as string] as string;
  } else {
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `invalid labels ${describeValue(labels)}: labels must be a plain object, a Map or an array of [name, value] pairs`,
    );
  }
  for (let i = 0; i < names.length; i++) {
    const n = validateLabelName(names[i], metric);
    if (typeof values[i] !== 'string') throw badValue(n, values[i], metric);
    if (names.indexOf(n) !== i) {
      throw new MeterkitError(
        ErrorCode.DuplicateLabel,
        `label "${n}" given twice${metric === undefined ? '' : ` on metric "${metric}"`}: each label name may appear once per series`,
      );
    }
  }
  return [names, values];
}

/** Labels as a sorted array of pairs: a canonical form for comparisons and tests. */
export function canonicalPairs(labels: Labels | undefined): Array<[string, string]> {
  const [names, values] = splitLabels(labels);
  const pairs = names.map((n, i) => [n, values[i] as string] as [string, string]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs;
}

/**
 * Checks a metric description (HELP text).
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` when it is not a string.
 */
export function validateDescription(description: unknown, metric: string): string {
  if (typeof description === 'string') return description;
  throw new MeterkitError(
    ErrorCode.InvalidArgument,
    `invalid description ${describeValue(description)} for metric "${metric}": a description must be a string`,
  );
}
