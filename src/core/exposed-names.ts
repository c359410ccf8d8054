/**
 * The sample names a family takes in the text formats. One rule, used by the registry (to
 * refuse two families that would write the same name) and by the renderer (to write them).
 */
import type { MetricKind } from './recorder.js';

/** A counter's base name: the name without a trailing `_total` (samples are `<base>_total`). */
export function counterBase(name: string): string {
  return name.endsWith('_total') ? name.slice(0, -6) : name;
}

/**
 * Every name a family of `kind` may write in either format: its family name (OpenMetrics'
 * TYPE line, a summary's samples), its samples and their `_created` companions.
 */
export function exposedNames(name: string, kind: MetricKind): string[] {
  if (kind === 'counter') {
    const base = counterBase(name);
    return [base, `${base}_total`, `${base}_created`];
  }
  if (kind === 'gauge') return [name];
  return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`, `${name}_created`];
}
