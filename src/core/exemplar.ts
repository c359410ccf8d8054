/**
 * Exemplars: a reference (say a trace id) attached to one counter increment or histogram
 * observation, exposed in OpenMetrics after the sample it belongs to.
 */
import { describeValue } from './errors.js';

/** What a caller attaches to an update. */
export interface Exemplar {
  /** Labels of the exemplar, e.g. `{ trace_id: 'abc' }`. Names and values: at most 128 characters together. */
  readonly labels: Readonly<Record<string, string>>;
  /** The exemplar's value. Default: the increment or the observation it came with. */
  readonly value?: number;
  /** When it happened, ms since the Unix epoch. Default: now. */
  readonly timestamp?: number;
}

/** An exemplar as a series keeps it: checked, copied, with its value and time fixed. */
export interface StoredExemplar {
  /** Label names and values, alternating: `[name0, value0, name1, value1, …]`. */
  readonly labels: readonly string[];
  readonly value: number;
  /** ms since the Unix epoch. */
  readonly timestamp: number;
}

/** OpenMetrics: the UTF-8 characters of an exemplar's label names and values together, at most. */
export const EXEMPLAR_MAX_RUNES = 128;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function runes(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Checks and copies an exemplar. Returns the stored form, or a sentence saying which rule it
 * breaks (the update path drops the exemplar then, never the update).
 */
export function toStoredExemplar(e: unknown, defaultValue: number, now: number): StoredExemplar | string {
  if (e === null || typeof e !== 'object') return `an exemplar must be an object { labels, value?, timestamp? }, not ${describeValue(e)}`;
  const ex = e as Exemplar;
  const labels = ex.labels;
  if (labels === null || typeof labels !== 'object') return `exemplar labels must be an object of strings, not ${describeValue(labels)}`;
  const flat: string[] = [];
  let total = 0;
  for (const k of Object.keys(labels)) {
    const v = labels[k];
    if (!LABEL_NAME.test(k)) return `exemplar label name ${describeValue(k)} must match [a-zA-Z_][a-zA-Z0-9_]*`;
    if (typeof v !== 'string') return `exemplar label "${k}" has value ${describeValue(v)}: a label value must be a string`;
    total += runes(k) + runes(v);
    flat.push(k, v);
  }
  if (total > EXEMPLAR_MAX_RUNES) return `exemplar labels have ${total} characters: OpenMetrics allows at most ${EXEMPLAR_MAX_RUNES}`;
  const value = ex.value === undefined ? defaultValue : ex.value;
  if (typeof value !== 'number' || value - value !== 0) return `exemplar value ${describeValue(value)} must be a finite number`;
  const timestamp = ex.timestamp === undefined ? now : ex.timestamp;
  if (typeof timestamp !== 'number' || timestamp - timestamp !== 0) return `exemplar timestamp ${describeValue(timestamp)} must be a finite number of ms`;
  return { labels: flat, value, timestamp };
}
