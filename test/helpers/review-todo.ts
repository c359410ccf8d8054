/**
 * Shared by the regression tests of open review findings: the todo mark, and a metric's value
 * summed over its series (a histogram counts its observations).
 */
import type { Registry } from '../../src/index.js';

/** The mark of a test that reproduces an open #15 review finding. */
export const OPEN_15 = { todo: 'open #15 review finding: fails until fixed' } as const;

/** `name`'s value summed over its series (a histogram's count); 0 when it has none. */
export function metricTotal(reg: Registry, name: string): number {
  let n = 0;
  reg.family(name)?.forEachSeries((s) => (n += s.kind === 'histogram' ? s.count : s.value));
  return n;
}
