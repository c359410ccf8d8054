/** A metric's value summed over its series (a histogram counts its observations). */
import type { Registry } from '../../src/index.js';

/** `name`'s value summed over its series (a histogram's count); 0 when it has none. */
export function metricTotal(reg: Registry, name: string): number {
  let n = 0;
  reg.family(name)?.forEachSeries((s) => (n += s.kind === 'histogram' ? s.count : s.value));
  return n;
}
