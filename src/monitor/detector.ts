/**
 * The detectors: how a window is judged `up`, `down` or `unknown` at a time `now`.
 *
 * - ttl (ipfs-cluster's rule): down when the latest metric is valid and `now > expire`.
 * - phi (phi accrual, Hayashibara et al.; the form Akka and Cassandra use): over the
 *   window's inter-arrival intervals, with m their mean plus `acceptablePause` and σ their
 *   population standard deviation, at least `minStdDev`,
 *   `phi = −log10(1 − F(now − lastSeen))`, F the normal CDF with mean m and deviation σ;
 *   down when phi > `threshold`. Until the window holds `minSamples` intervals, the ttl rule
 *   judges (and phi is null).
 *
 * F is approximated by the logistic function Akka uses (Bowling et al. 2009, "A logistic
 * approximation to the cumulative normal distribution"): F(y) ≈ 1 / (1 + e^(−y(1.5976 +
 * 0.070566 y²))) with y = (t − m) / σ, whose absolute error is below 1.4 × 10⁻⁴. With
 * k = y(1.5976 + 0.070566 y²), 1 − F = 1 / (1 + e^k), so phi = log10(1 + e^k) = softplus(k) / ln 10,
 * computed as `(k + log1p(e^−k)) / ln 10` above the mean and `log1p(e^k) / ln 10` below it: the
 * same value as Akka's two branches, but finite however long the gap (no log of an
 * underflowed 0) and exact to the last digits just after an arrival (no 1 − x cancellation).
 * The logistic tail is heavier than the normal one: phi 8 is reached at y ≈ 5.23 (the exact
 * normal reaches it at y ≈ 5.61), as in Akka, whose threshold of 8 was tuned with it.
 *
 * A latest metric that is not valid (the peer could not produce it) is `unknown`: it never
 * expires into an alert.
 */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration, checkWhole } from '../core/options.js';
import type { DetectorOptions, PeerState } from './types.js';
import type { Window } from './window.js';

/** Detector options with every default filled in. */
export interface ResolvedDetector {
  kind: 'ttl' | 'phi';
  threshold: number;
  minStdDev: number;
  acceptablePause: number;
  minSamples: number;
  /**
   * The y = (gap − m) / σ above which phi exceeds the threshold. phi is monotonic in y, so a
   * window's moment of suspicion is known when a metric arrives (see {@link deadlineOf}).
   */
  yThreshold: number;
}

/** The phi detector's defaults (Akka's threshold 8 and minimum deviation 500 ms). */
export const PHI_DEFAULTS = Object.freeze({ threshold: 8, minStdDev: 500, acceptablePause: 0, minSamples: 3 });

function positive(what: string, v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what} ${describeValue(v)}: it must be a finite number > 0`);
}

/**
 * Checks detector options and fills in the defaults. `windowCap` bounds `minSamples`: a window
 * of n metrics holds n − 1 intervals.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad option.
 */
export function resolveDetector(d: DetectorOptions | undefined, windowCap: number): ResolvedDetector {
  if (d === undefined) return withK({ kind: 'ttl', ...PHI_DEFAULTS });
  if (typeof d !== 'object' || d === null || (d.kind !== 'ttl' && d.kind !== 'phi')) {
    const kind = typeof d === 'object' && d !== null ? (d as { kind?: unknown }).kind : d;
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid detector.kind ${describeValue(kind)}: it must be "ttl" or "phi"`);
  }
  if (d.kind === 'ttl') return withK({ kind: 'ttl', ...PHI_DEFAULTS });
  return withK({
    kind: 'phi',
    threshold: positive('detector.threshold', d.threshold ?? PHI_DEFAULTS.threshold),
    minStdDev: positive('detector.minStdDev', d.minStdDev ?? PHI_DEFAULTS.minStdDev),
    acceptablePause: checkDuration('detector.acceptablePause', d.acceptablePause ?? PHI_DEFAULTS.acceptablePause, 0),
    minSamples: checkWhole('detector.minSamples (intervals; at most windowCap − 1)', d.minSamples ?? PHI_DEFAULTS.minSamples, { min: 1, max: windowCap - 1 }),
  });
}

/** Adds the threshold's y: the smallest y (to double precision) whose phi exceeds the threshold. */
function withK(d: Omit<ResolvedDetector, 'yThreshold'>): ResolvedDetector {
  // phi > T ⟺ k > ln(10^T − 1), written so that 10^T cannot overflow
  const kt = d.threshold * Math.LN10 + Math.log1p(-Math.pow(10, -d.threshold));
  // k(y) = y(a + b y²) is increasing: solve k(y) = kt by bisection (once per monitor)
  let lo = -1;
  let hi = 1;
  while (logistic(lo) > kt) lo *= 2;
  while (logistic(hi) <= kt) hi *= 2;
  for (let i = 0; i < 200 && lo < hi; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (logistic(mid) > kt) hi = mid;
    else lo = mid;
  }
  return { ...d, yThreshold: hi };
}

function logistic(y: number): number {
  return y * (1.5976 + 0.070566 * y * y);
}

const LOG10E = Math.LOG10E;

/** The logistic exponent k = y(1.5976 + 0.070566 y²) of a gap, y = (elapsed − mean) / stdDev. */
export function logisticExponent(elapsed: number, mean: number, stdDev: number): number {
  return logistic((elapsed - mean) / stdDev);
}

/** phi from the logistic exponent: softplus(k) / ln 10, stable on both sides. */
export function phiOfExponent(k: number): number {
  return (k > 0 ? k + Math.log1p(Math.exp(-k)) : Math.log1p(Math.exp(k))) * LOG10E;
}

/**
 * phi for a gap of `elapsed` ms after the last arrival, given the mean and standard deviation of
 * the intervals (the deviation already floored, the pause already added to the mean).
 */
export function phi(elapsed: number, mean: number, stdDev: number): number {
  return phiOfExponent(logisticExponent(elapsed, mean, stdDev));
}

/** True when phi judges `w` (phi detector, enough intervals); else the ttl rule does. */
function byPhi(w: Window, d: ResolvedDetector): boolean {
  return d.kind === 'phi' && w.intervals >= d.minSamples;
}

/** The phi of `w` at `now`, or null when the ttl rule judges it. */
export function phiOf(w: Window, now: number, d: ResolvedDetector): number | null {
  return byPhi(w, d) ? phi(now - w.lastSeen(), w.mean + d.acceptablePause, Math.max(w.stdDev, d.minStdDev)) : null;
}

/**
 * The moment `w` goes down if nothing arrives, computed when a metric arrives: with the ttl
 * rule its expiry; with phi the time the gap reaches m + y*·σ, y* the threshold's y. A check
 * then compares one number per window, with no logarithm and nothing written.
 */
export function deadlineOf(w: Window, d: ResolvedDetector): number {
  if (!byPhi(w, d)) return w.expire();
  return w.lastSeen() + w.mean + d.acceptablePause + d.yThreshold * Math.max(w.stdDev, d.minStdDev);
}

/** Judges `w` at `now` (its deadline was set by {@link deadlineOf} when its newest metric arrived). */
export function judge(w: Window, now: number): PeerState {
  if (!w.valid()) return 'unknown';
  return now > w.deadline() ? 'down' : 'up';
}
