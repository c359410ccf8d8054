/**
 * Default labels (prom-client's `registry.setDefaultLabels`): labels every exported series
 * gets unless it carries a label of that name itself. The one rule, used by the text,
 * OpenMetrics and JSON renderers: a series' own labels come first, in its order, then each
 * default label it lacks, in the order the defaults were set — prom-client's
 * `{ ...labels, ...defaultLabels, ...labels }`. A series' own value wins, even an empty one.
 */
import { ErrorCode, MeterkitError } from './errors.js';
import type { Labels } from './labels.js';
import { splitLabels } from './labels.js';

/** Validated default labels: parallel names and values, in the order set. */
export interface DefaultLabelSet {
  readonly names: readonly string[];
  readonly values: readonly string[];
}

/** Label names default labels cannot take: the renderers write them for buckets and quantiles. */
const RESERVED = new Set(['le', 'quantile']);

/**
 * Checks default labels (names as any label name, values strings, no name twice, no `le` or
 * `quantile`) and returns them split, or null when there are none.
 * @throws MeterkitError `ERR_METERKIT_INVALID_LABEL_NAME`, `ERR_METERKIT_INVALID_LABEL_VALUE`,
 * `ERR_METERKIT_DUPLICATE_LABEL`.
 */
export function checkDefaultLabels(labels: Labels | undefined): DefaultLabelSet | null {
  const [names, values] = splitLabels(labels, 'default labels');
  for (const n of names) {
    if (RESERVED.has(n)) {
      throw new MeterkitError(ErrorCode.InvalidLabelName, `invalid default label name "${n}": "le" and "quantile" are reserved for buckets and quantiles`);
    }
  }
  return names.length === 0 ? null : { names: Object.freeze(names), values: Object.freeze(values) };
}

/**
 * The default labels a series with label names `own` does not carry, as `[name, value]`
 * pairs in the defaults' order (see the rule at the top of this file). Renderers cache the
 * answer per label set: `own` is the same array for every series of one.
 */
export function missingDefaults(defaults: DefaultLabelSet, own: readonly string[]): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (let i = 0; i < defaults.names.length; i++) {
    const n = defaults.names[i] as string;
    if (!own.includes(n)) out.push([n, defaults.values[i] as string]);
  }
  return out;
}
