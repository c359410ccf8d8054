import { brand } from './brand.js';

/**
 * The one error type meterkit throws. `code` is stable and always starts with
 * `ERR_METERKIT_`, so callers can branch on it without parsing messages.
 *
 * `err instanceof MeterkitError` is true for an error from any copy of meterkit in the process
 * (ES module or CommonJS): it checks a shared brand, not the prototype chain. A subclass keeps
 * the ordinary `instanceof`.
 */
export class MeterkitError extends Error {
  /** Stable machine-readable code, e.g. `ERR_METERKIT_INVALID_NAME`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeterkitError';
    this.code = code.startsWith('ERR_METERKIT_') ? code : `ERR_METERKIT_${code}`;
  }
}
// the key 'meterkit.error.v1' is what every released copy marks its errors with
brand(MeterkitError, 'error');

/** Error codes used by the core. */
export const ErrorCode = Object.freeze({
  InvalidName: 'ERR_METERKIT_INVALID_NAME',
  InvalidLabelName: 'ERR_METERKIT_INVALID_LABEL_NAME',
  InvalidLabelValue: 'ERR_METERKIT_INVALID_LABEL_VALUE',
  DuplicateLabel: 'ERR_METERKIT_DUPLICATE_LABEL',
  KindConflict: 'ERR_METERKIT_KIND_CONFLICT',
  InvalidValue: 'ERR_METERKIT_INVALID_VALUE',
  InvalidUnit: 'ERR_METERKIT_INVALID_UNIT',
  InvalidArgument: 'ERR_METERKIT_INVALID_ARGUMENT',
  InvalidBuckets: 'ERR_METERKIT_INVALID_BUCKETS',
  ConfigTooLate: 'ERR_METERKIT_CONFIG_TOO_LATE',
  NameConflict: 'ERR_METERKIT_NAME_CONFLICT',
  Docker: 'ERR_METERKIT_DOCKER',
  DockerResponseTooLarge: 'ERR_METERKIT_DOCKER_RESPONSE_TOO_LARGE',
  InvalidTls: 'ERR_METERKIT_INVALID_TLS',
  Listen: 'ERR_METERKIT_LISTEN',
  Push: 'ERR_METERKIT_PUSH',
  StreamDecode: 'ERR_METERKIT_STREAM_DECODE',
  ProcessMetrics: 'ERR_METERKIT_PROCESS_METRICS',
  InvalidMetric: 'ERR_METERKIT_INVALID_METRIC',
  AlertsDropped: 'ERR_METERKIT_ALERTS_DROPPED',
  PeerSet: 'ERR_METERKIT_PEER_SET',
  MonitorReport: 'ERR_METERKIT_MONITOR_REPORT',
  Nats: 'ERR_METERKIT_NATS',
  AlertsBusy: 'ERR_METERKIT_ALERTS_BUSY',
  MonitorHook: 'ERR_METERKIT_MONITOR_HOOK',
  MonitorCheck: 'ERR_METERKIT_MONITOR_CHECK',
  InvalidEvent: 'ERR_METERKIT_INVALID_EVENT',
  NotifyQueueFull: 'ERR_METERKIT_NOTIFY_QUEUE_FULL',
  NotifyQueue: 'ERR_METERKIT_NOTIFY_QUEUE',
  InvalidQuantiles: 'ERR_METERKIT_INVALID_QUANTILES',
  ClusterSnapshot: 'ERR_METERKIT_CLUSTER_SNAPSHOT',
  RemoteWrite: 'ERR_METERKIT_REMOTE_WRITE',
  InvalidConfig: 'ERR_METERKIT_INVALID_CONFIG',
  DashboardLimit: 'ERR_METERKIT_DASHBOARD_LIMIT',
  DashboardUnknownSeries: 'ERR_METERKIT_DASHBOARD_UNKNOWN_SERIES',
  DashboardSampleTimeout: 'ERR_METERKIT_DASHBOARD_SAMPLE_TIMEOUT',
  ProxyClosed: 'ERR_METERKIT_PROXY_CLOSED',
});

/** The longest value text an error message quotes; beyond it the text is cut and its length said. */
export const MAX_VALUE_TEXT = 80;

/**
 * Formats a value for an error message: strings quoted, everything else inspected briefly. Bounded
 * (the one place that bounds it): a value longer than {@link MAX_VALUE_TEXT} characters is cut and
 * followed by `…(N chars)`, so a 1 MB bad value still makes a one-line error.
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') {
    if (v.length <= MAX_VALUE_TEXT) return JSON.stringify(v);
    return `${JSON.stringify(v.slice(0, MAX_VALUE_TEXT))}…(${v.length} chars)`;
  }
  if (typeof v === 'bigint') {
    const t = String(v);
    return t.length <= MAX_VALUE_TEXT ? t : `${t.slice(0, MAX_VALUE_TEXT)}…(${t.length} chars)`;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'function') return v.name === '' ? 'a function' : `a function ${v.name}`;
  if (typeof v === 'symbol') return `a symbol ${String(v.description ?? '')}`.trimEnd();
  // an object by its class (a ChildProcess, a Map), a plain one as "an object"
  const ctor = (Object.getPrototypeOf(v) as { constructor?: unknown } | null)?.constructor;
  const cls = typeof ctor === 'function' && ctor.name !== '' && ctor !== Object ? ctor.name : 'object';
  return `${article(cls)} ${cls}`;
}

/** "a" or "an" before `word` (by its first letter: good enough for class names). */
function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
