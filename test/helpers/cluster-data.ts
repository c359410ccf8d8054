/** The observations each test worker records, so a test can compute the true cluster-wide quantiles. */

/** Observations per worker. */
export const OBSERVATIONS = 5000;

/** Worker `slot`'s observations: a different spread per worker (slot 3's are the slowest). */
export function observations(slot: number): number[] {
  const out: number[] = [];
  // a fixed permutation of 0..OBSERVATIONS-1 (7919 is prime), scaled per worker
  for (let i = 0; i < OBSERVATIONS; i++) out.push(0.001 + (((i * 7919) % OBSERVATIONS) / OBSERVATIONS) * (slot + 1));
  return out;
}

/** What worker `slot` adds to `jobs_total` (4 workers: 10 + 20 + 30 + 40 = 100). */
export function jobsOf(slot: number): number {
  return (slot + 1) * 10;
}
