/**
 * Bytes per second as a float over a sliding window: an exponentially weighted moving average
 * of the per-tick rate. Each tick weighs the newest rate by `1 − e^(−dt/window)`, so a step
 * change reaches 63% after one window and 95% after three; the rate of a link that stopped
 * decays the same way. gobetween divides a 2-second delta by 2 with integer division instead.
 */
export class Ewma {
  /** The current rate, units per second. */
  value = 0;
  private primed = false;

  constructor(
    /** The window (time constant), ms. */
    readonly windowMs: number,
  ) {}

  /** Folds in `amount` units counted over the last `dtMs` ms. */
  update(amount: number, dtMs: number): void {
    if (dtMs <= 0) return;
    const rate = (amount * 1000) / dtMs;
    if (!this.primed) {
      // the first tick has no history: start from its rate rather than climbing from 0
      this.value = rate;
      this.primed = true;
      return;
    }
    const alpha = 1 - Math.exp(-dtMs / this.windowMs);
    this.value += alpha * (rate - this.value);
  }
}
