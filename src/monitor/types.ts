/**
 * The peer monitor's contract: what peers send, what the monitor keeps and reports, and the
 * alerts it raises. The shapes follow ipfs-cluster's monitor (`api.Metric`, `api.Alert`), with
 * times in milliseconds since the Unix epoch (ipfs-cluster uses nanoseconds) because that is what
 * JavaScript clocks give and what JSON carries without loss.
 *
 * Transports carry the wire shape, {@link MetricInput}, as a JSON array: the body of
 * `POST /monitor/v1/metrics`, and the payload of a NATS message on {@link DEFAULT_NATS_SUBJECT}.
 */

/** A metric as a peer sends it (JSON). Exactly one of `ttl` and `expire` says when it goes stale. */
export interface MetricInput {
  /** Metric name, e.g. `ping`; see {@link METRIC_NAME_RULE}. */
  name: string;
  /** Peer id: 1 to {@link MAX_PEER_ID_LENGTH} characters, no control characters, well-formed Unicode (no lone surrogates). */
  peer: string;
  /** A finite number or a string (at most {@link MAX_STRING_VALUE_LENGTH} characters, well-formed Unicode). Default `''`. */
  value?: number | string;
  /** False when the peer could not produce the metric; default true. Invalid metrics never expire into alerts. */
  valid?: boolean;
  /** Time to live in ms from when the monitor receives it (> 0). */
  ttl?: number;
  /** Absolute expiry, ms since the epoch, in the future. */
  expire?: number;
}

/** A metric as the monitor stores it. */
export interface Metric {
  readonly name: string;
  readonly peer: string;
  readonly value: number | string;
  readonly valid: boolean;
  /** ms since the epoch. */
  readonly expire: number;
  /** When the monitor logged it, ms since the epoch (the monitor's clock). */
  readonly receivedAt: number;
}

/** What an alert says happened: a peer's metric went stale (`down`) or came back (`up`). */
export type AlertKind = 'down' | 'up';

/** An alert (ipfs-cluster's `{peer, metricName}`, plus what it lacked). */
export interface Alert {
  readonly peer: string;
  readonly metric: string;
  readonly kind: AlertKind;
  /** When the alert was raised, ms since the epoch. */
  readonly time: number;
  /** When the metric was last received, ms since the epoch. */
  readonly lastSeen: number;
  /** The phi value at the time, when the phi detector judged; absent with the ttl detector. */
  readonly phi?: number;
  /** `up` only: when the outage it ends began (the time of its first `down`), ms since the epoch. */
  readonly downSince?: number;
}

/** A peer metric's state: `unknown` until a valid metric arrived or while only invalid ones have. */
export type PeerState = 'up' | 'down' | 'unknown';

/**
 * One (peer, metric) as `status()`, `GET /monitor/v1/peers` and `meterkit peers --json` show it.
 * `value`, `lastSeen` and `expire` are those of the latest metric logged.
 */
export interface PeerStatus {
  peer: string;
  metric: string;
  value: number | string;
  /** ms since the epoch. */
  lastSeen: number;
  /** ms since the epoch. */
  expire: number;
  state: PeerState;
  /** The current phi, or null when the ttl rule judges (ttl detector, or too few samples). */
  phi: number | null;
}

/** The ttl detector: down when the latest valid metric has expired (ipfs-cluster's rule). */
export interface TtlDetectorOptions {
  kind: 'ttl';
}

/**
 * The phi-accrual detector over the window's inter-arrival times (normal approximation):
 * phi = -log10(1 - CDF(now - lastSeen)), with mean and standard deviation of the intervals,
 * the deviation at least `minStdDev`, and `acceptablePause` added to the mean.
 */
export interface PhiDetectorOptions {
  kind: 'phi';
  /** Down when phi reaches it (phi ≥ threshold; and the latest metric expired). Default 8. */
  threshold?: number;
  /** Floor of the standard deviation, ms. Default 500. */
  minStdDev?: number;
  /** Added to the mean interval, ms. Default 0. */
  acceptablePause?: number;
  /** Intervals (samples − 1) needed before phi judges; until then the ttl rule does. Default 3. */
  minSamples?: number;
}

/** Which detector judges liveness. */
export type DetectorOptions = TtlDetectorOptions | PhiDetectorOptions;

/** A static peer set, or a function that returns the current one (called on every check). */
export type PeerSet = readonly string[] | (() => readonly string[]);

/** Limits of the wire shape. */
export const MAX_PEER_ID_LENGTH = 256;
export const MAX_METRIC_NAME_LENGTH = 128;
export const MAX_STRING_VALUE_LENGTH = 4096;
/** Metric names: a letter or `_`, then letters, digits, `_`, `.`, `-`, `:`. */
export const METRIC_NAME_RULE = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** The NATS subject peers publish to and the monitor subscribes to, unless told otherwise. */
export const DEFAULT_NATS_SUBJECT = 'meterkit.monitor.metrics';

/** The HTTP paths the agent serves with `--monitor`. */
export const MONITOR_HTTP = Object.freeze({
  /** POST a JSON array of MetricInput. */
  metrics: '/monitor/v1/metrics',
  /** GET every PeerStatus as a JSON array. */
  peers: '/monitor/v1/peers',
  /** GET `/monitor/v1/metrics/:name`: lastMetrics(name) as a JSON array of Metric. */
  metricsByName: '/monitor/v1/metrics/',
  /** GET the last 100 alerts raised, newest first, as a JSON array of Alert. */
  alerts: '/monitor/v1/alerts',
});
