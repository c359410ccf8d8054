/**
 * The monitor's two clocks. Deadlines, intervals and ages are measured on a monotonic clock
 * (`performance.now()`), so a step of the wall clock (NTP, a manual `date -s`) neither marks
 * every peer down (a jump forward) nor hides a dead one (a jump back). Times are still shown as
 * ms since the epoch: the monitor's own time is the wall clock read once at start, advanced by
 * the monotonic clock, and {@link MonitorClock.skew} is how far the wall clock has moved away
 * from it since — added to a time at the API (`receivedAt`, `lastSeen`, alert `time`, …) so that
 * what users see is on the wall clock as it reads now, and taken off an `expire` a peer sends.
 */

/** See the file comment. */
export class MonitorClock {
  private readonly base: number;

  /**
   * @param wall ms since the epoch (what is shown).
   * @param monotonic ms from any origin, never stepped. A test that injects only `wall` passes
   * it as both: its fake clock is monotonic, and then the skew is always 0.
   */
  constructor(
    private readonly wall: () => number,
    private readonly monotonic: () => number,
  ) {
    this.base = wall() - monotonic();
  }

  /** The monitor's time: ms since the epoch as of the start, advanced only by the monotonic clock. */
  now(): number {
    return this.monotonic() + this.base;
  }

  /** Wall clock minus monitor time (`now`, read now unless given): 0 until the wall clock is stepped (or drifts). */
  skew(now = this.now()): number {
    return this.wall() - now;
  }
}
