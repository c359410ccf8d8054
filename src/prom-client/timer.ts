/** Seconds since `start` (a `process.hrtime.bigint()` reading): the monotonic clock timers use. */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
