/** Small benchmark harness: median of several timed runs, results kept for a table and JSON. */

export interface Result {
  suite: string;
  name: string;
  /** Nanoseconds per operation (median of the runs), or another figure with its `unit`. */
  value: number;
  unit: string;
}

export interface Target {
  name: string;
  /** Human form of the target, e.g. "≤ 5 ns" or "≥ 50× prom-client child.inc()". */
  rule: string;
  measured: string;
  pass: boolean;
}

export const results: Result[] = [];
export const targets: Target[] = [];

/**
 * Times `run(iters)` (which must do `iters` operations and return something derived from
 * their effects, so the JIT cannot drop them) and returns ns per operation, the median of
 * `rounds` runs after one warm-up.
 */
export function timeOps(run: (iters: number) => number, iters: number, rounds = 7): number {
  let sink = run(Math.max(1, iters >> 2));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    sink += run(iters);
    const t1 = process.hrtime.bigint();
    samples.push(Number(t1 - t0) / iters);
  }
  if (!Number.isFinite(sink)) throw new Error('benchmark checksum is not finite');
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1] as number;
}

export function record(suite: string, name: string, value: number, unit = 'ns/op'): number {
  results.push({ suite, name, value, unit });
  return value;
}

export function target(name: string, rule: string, measured: string, pass: boolean): void {
  targets.push({ name, rule, measured, pass });
}

/** Forces full GCs (needs --expose-gc) and returns the used heap. */
export function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function printReport(): void {
  const rows = results.map((r) => [r.suite, r.name, fmt(r.value), r.unit]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] as string).length), 6));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 2 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ');
  console.log(line(['suite', 'case', 'value', 'unit']));
  for (const r of rows) console.log(line(r));
  console.log('\ntargets:');
  for (const t of targets) console.log(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured} (target ${t.rule})`);
  console.log('\nJSON:');
  console.log(JSON.stringify({ node: process.version, results, targets }, null, 1));
}
