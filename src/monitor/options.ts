/** The monitor's options: their defaults and the one place they are checked. */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration, checkWhole } from '../core/options.js';
import type { Recorder } from '../core/recorder.js';
import { MonitorClock } from './clock.js';
import { resolveDetector } from './detector.js';
import type { ResolvedDetector } from './detector.js';
import type { DetectorOptions, PeerSet } from './types.js';
import { PEER_ID_RULE, isPeerId } from './validate.js';

/** Options of a `Monitor`. */
export interface MonitorOptions {
  /** Metrics kept per (metric, peer). Default 25 (ipfs-cluster's `DefaultWindowCap`). */
  windowCap?: number;
  /**
   * (peer, metric) windows held at most; a metric that would open one more is refused (an
   * InvalidMetricError with field `limit`, counted) until peers are forgotten. Default 100 000.
   */
  maxWindows?: number;
  /** ms between checks once `Monitor.start()` ran. Default 15 000. */
  checkInterval?: number;
  /** Alerts an iterator's queue holds before dropping. Default 256 (ipfs-cluster's `AlertChannelCap`). */
  alertQueueCap?: number;
  /** The current peers: a list, or a function called on each check and read. Default: every peer that reported. */
  peers?: PeerSet;
  /**
   * ms a peer is kept after its last live moment (the latest arrival, expiry or down deadline of
   * its metrics), then forgotten with its windows, unless it is in an explicit peer set. Default 3 600 000.
   */
  forgetAfter?: number;
  /** Which detector judges. Default `{ kind: 'ttl' }`. */
  detector?: DetectorOptions;
  /** ms; 0 (default) = one `down` per outage; > 0 = `down` again at this interval while down. */
  reAlertInterval?: number;
  /** Where the monitor's own metrics go. Default: none. */
  recorder?: Recorder;
  /** The wall clock, ms since the epoch: what times are shown on. Default `Date.now`. */
  now?: () => number;
  /**
   * The clock deadlines and intervals are measured on: ms from any origin, never stepped.
   * Default `performance.now`, or `now` when only `now` is given (a test's fake clock).
   */
  monotonic?: () => number;
  /** Background errors (a throwing peer set, dropped alerts, a throwing listener). Default: a process warning. */
  onError?: (err: Error) => void;
}

/** The defaults (ipfs-cluster's where it has one). */
export const MONITOR_DEFAULTS = Object.freeze({ windowCap: 25, maxWindows: 100_000, checkInterval: 15_000, alertQueueCap: 256, forgetAfter: 3_600_000, reAlertInterval: 0 });

function defaultOnError(err: Error): void {
  process.emitWarning(err);
}

function fn<T>(what: string, v: T | undefined, fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'function') throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${what}: it must be a function`);
  return v;
}

/** Options checked, defaults filled in. */
export interface ResolvedOptions {
  windowCap: number;
  maxWindows: number;
  checkInterval: number;
  alertQueueCap: number;
  forgetAfter: number;
  reAlertInterval: number;
  detector: ResolvedDetector;
  peers: PeerSet | undefined;
  clock: MonitorClock;
  onError: (err: Error) => void;
}

/** performance.now() in whole ms: times stay whole numbers of ms since the epoch, as Date.now gives them. */
const wholeMs = (): number => Math.floor(performance.now());

function clockOf(options: MonitorOptions): MonitorClock {
  const wall = fn('now', options.now, Date.now);
  return new MonitorClock(wall, fn('monotonic', options.monotonic, options.now === undefined ? wholeMs : wall));
}

/**
 * Checks every option and fills in the defaults.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad option.
 */
export function resolveOptions(options: MonitorOptions): ResolvedOptions {
  const windowCap = checkWhole('windowCap', options.windowCap ?? MONITOR_DEFAULTS.windowCap, { max: 100_000 });
  const peers = options.peers;
  if (peers !== undefined && typeof peers !== 'function') {
    if (!Array.isArray(peers)) throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid peers: it must be an array of peer ids or a function returning one');
    peers.forEach((p: unknown, i) => {
      if (!isPeerId(p)) throw new MeterkitError(ErrorCode.InvalidArgument, `invalid peers[${i}] ${describeValue(p)}: ${PEER_ID_RULE}`);
    });
  }
  return {
    windowCap,
    maxWindows: checkWhole('maxWindows', options.maxWindows ?? MONITOR_DEFAULTS.maxWindows, { max: 10_000_000 }),
    checkInterval: checkDuration('checkInterval', options.checkInterval ?? MONITOR_DEFAULTS.checkInterval),
    alertQueueCap: checkWhole('alertQueueCap', options.alertQueueCap ?? MONITOR_DEFAULTS.alertQueueCap, { max: 1_000_000 }),
    forgetAfter: checkDuration('forgetAfter', options.forgetAfter ?? MONITOR_DEFAULTS.forgetAfter),
    reAlertInterval: checkDuration('reAlertInterval', options.reAlertInterval ?? MONITOR_DEFAULTS.reAlertInterval, 0),
    detector: resolveDetector(options.detector, windowCap),
    peers: peers === undefined ? undefined : typeof peers === 'function' ? peers : Object.freeze([...peers]),
    clock: clockOf(options),
    onError: fn('onError', options.onError, defaultOnError),
  };
}
