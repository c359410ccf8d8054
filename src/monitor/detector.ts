/**
 * The detectors: how a window is judged `up`, `down` or `unknown` at a time `now`.
 *
 * - ttl (ipfs-cluster's rule): down when the latest metric is valid and `now > expire`.
 * - phi (phi accrual, Hayashibara et al.; the form Akka and Cassandra use): over the
 *   window's inter-arrival intervals, with m their mean plus `acceptablePause` and σ their
 *   population standard deviation, at least `minStdDev`,
 *   `phi = −log10(1 − F(now − lastSeen))`, F the normal CDF with mean m and deviation σ;
 *   down when phi ≥ `threshold` and the latest metric has expired (ipfs-cluster's rule: a
 *   peer is never down while its latest metric is unexpired). Until the window holds
 *   `minSamples` intervals, the ttl rule judges (and phi is null).
 *
 * F is the normal CDF itself (the formula, and ipfs-cluster's prob.go), not Akka's
 * logistic approximation (whose tail is far heavier: phi 8 at y ≈ 5.23 instead of 5.61, i.e. a
 * peer suspected about 0.4σ early). With y = (t − m) / σ and Q(y) = 1 − Φ(y) the standard normal
 * upper tail, phi = −log10 Q(y) = −ln Q(y) / ln 10, and ln Q is computed without ever forming
 * 1 − Φ by subtraction where that would cancel:
 * - y < 0: Q(y) = 1 − Q(−y), so ln Q(y) = log1p(−Q(−y)) (exact near 0, where phi → 0);
 * - 0 ≤ y < 3: Q(y) = 1/2 − φ(y)·S(y), S(y) = Σ y^(2n+1) / (1·3·…·(2n+1)) (Marsaglia 2004),
 *   every term positive; at y < 3, Q ≥ 1.3 × 10⁻³, so the subtraction loses under 3 digits;
 * - y ≥ 3: ln Q(y) = −y²/2 − ln √(2π) + ln R(y), R the Mills ratio by its continued fraction
 *   R(y) = 1/(y + 1/(y + 2/(y + 3/(y + …)))) (modified Lentz): in log space, so it neither
 *   underflows nor loses digits however long the gap (y = 40 gives phi ≈ 349.1, exact to ~1e-14).
 * Down when phi ≥ `threshold` (Akka's and ipfs-cluster's comparison).
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
   * The y = (gap − m) / σ from which phi reaches the threshold. phi is monotonic in y, so a
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
  if (windowCap < 2) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid windowCap ${windowCap} for the phi detector: phi judges by the intervals between a window's metrics, and a window of n metrics holds n − 1; give windowCap ≥ 2 (default 25), or the ttl detector`);
  }
  return withK({
    kind: 'phi',
    threshold: positive('detector.threshold', d.threshold ?? PHI_DEFAULTS.threshold),
    minStdDev: positive('detector.minStdDev', d.minStdDev ?? PHI_DEFAULTS.minStdDev),
    acceptablePause: checkDuration('detector.acceptablePause', d.acceptablePause ?? PHI_DEFAULTS.acceptablePause, 0),
    minSamples: checkWhole('detector.minSamples (intervals; at most windowCap − 1)', d.minSamples ?? PHI_DEFAULTS.minSamples, { min: 1, max: windowCap - 1 }),
  });
}

/**
 * Adds the threshold's y: the smallest y (to double precision) whose phi reaches the threshold,
 * found by bisection once per monitor (phi is increasing in y).
 */
function withK(d: Omit<ResolvedDetector, 'yThreshold'>): ResolvedDetector {
  // phi ≥ T ⟺ ln Q(y) ≤ −T·ln 10
  const reached = (y: number): boolean => logNormalTail(y) <= -d.threshold * Math.LN10;
  let lo = -1;
  let hi = 1;
  while (reached(lo)) lo *= 2;
  while (!reached(hi)) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (reached(mid)) hi = mid;
    else lo = mid;
  }
  return { ...d, yThreshold: hi };
}

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Where the upper tail switches from the series to the continued fraction. */
const TAIL_SPLIT = 3;

/** Q(y) = 1 − Φ(y) for 0 ≤ y < {@link TAIL_SPLIT}: 1/2 − φ(y)·Σ y^(2n+1)/(2n+1)!! (all terms positive). */
function upperTailSeries(y: number): number {
  const y2 = y * y;
  let term = y;
  let sum = y;
  for (let n = 1; n < 200; n++) {
    term *= y2 / (2 * n + 1);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return 0.5 - Math.exp(-0.5 * y2 - LN_SQRT_2PI) * sum;
}

/** The Mills ratio R(y) = Q(y)/φ(y) for y ≥ {@link TAIL_SPLIT}, by its continued fraction (modified Lentz). */
function millsRatio(y: number): number {
  const tiny = 1e-300;
  let f = y;
  let c = y;
  let dd = 0;
  for (let j = 1; j < 500; j++) {
    dd = y + j * dd;
    dd = dd === 0 ? 1 / tiny : 1 / dd;
    c = y + j / c;
    if (c === 0) c = tiny;
    const delta = c * dd;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

/** Q(y) = 1 − Φ(y) for y ≥ 0 (it underflows to 0 past y ≈ 38; {@link logNormalTail} does not). */
function upperTail(y: number): number {
  return y < TAIL_SPLIT ? upperTailSeries(y) : Math.exp(-0.5 * y * y - LN_SQRT_2PI) * millsRatio(y);
}

/** ln(1 − Φ(y)), Φ the standard normal CDF: accurate for every finite y (see the file's comment). */
export function logNormalTail(y: number): number {
  if (y < 0) return Math.log1p(-upperTail(-y));
  if (y < TAIL_SPLIT) return Math.log(upperTailSeries(y));
  return -0.5 * y * y - LN_SQRT_2PI + Math.log(millsRatio(y));
}

/**
 * phi for a gap of `elapsed` ms after the last arrival, given the mean and standard deviation of
 * the intervals (the deviation already floored, the pause already added to the mean):
 * −log10(1 − Φ((elapsed − mean) / stdDev)).
 */
export function phi(elapsed: number, mean: number, stdDev: number): number {
  const v = -logNormalTail((elapsed - mean) / stdDev) * Math.LOG10E;
  // −0 just after an arrival far ahead of the mean reads as 0
  return v === 0 ? 0 : v;
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
 * rule its expiry; with phi the later of its expiry and the time the gap reaches m + y*·σ, y*
 * the threshold's y: a peer is never down while its latest metric is unexpired (ipfs-cluster's
 * accrual checker, checker.go `failed()`), so phi only calls a peer down earlier than never,
 * not earlier than its ttl. A check then compares one number per window, with no logarithm
 * and nothing written.
 */
export function deadlineOf(w: Window, d: ResolvedDetector): number {
  if (!byPhi(w, d)) return w.expire();
  return Math.max(w.expire(), w.lastSeen() + w.mean + d.acceptablePause + d.yThreshold * Math.max(w.stdDev, d.minStdDev));
}

/**
 * The one rule of a window's state at `now`, from its newest metric's validity and its deadline
 * (set by {@link deadlineOf} when that metric arrived). `check()` calls it on the columns,
 * `status()` through {@link judge}.
 */
export function stateAt(valid: boolean, deadline: number, now: number): PeerState {
  if (!valid) return 'unknown';
  return now > deadline ? 'down' : 'up';
}

/** Judges `w` at `now` ({@link stateAt}). */
export function judge(w: Window, now: number): PeerState {
  return stateAt(w.valid(), w.deadline(), now);
}
