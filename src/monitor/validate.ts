/**
 * The one rule for a metric a peer sends ({@link MetricInput}): every transport and
 * `logMetric`/`logMetrics` check input here, so the message, the code and the counted reason
 * are the same whatever carried the metric.
 */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkDuration } from '../core/options.js';
import { MAX_METRIC_NAME_LENGTH, MAX_PEER_ID_LENGTH, MAX_STRING_VALUE_LENGTH, METRIC_NAME_RULE } from './types.js';

/**
 * Which part of a metric broke the rule: the `reason` label of
 * `meterkit_monitor_invalid_metrics_total`. `limit`: a valid metric for a new (peer, metric)
 * when the monitor already holds `maxWindows` windows.
 */
export type InvalidMetricField = 'shape' | 'name' | 'peer' | 'value' | 'valid' | 'ttl' | 'expire' | 'limit';

/** Every {@link InvalidMetricField}, in the order they are checked. */
export const INVALID_METRIC_FIELDS: readonly InvalidMetricField[] = Object.freeze(['shape', 'name', 'peer', 'value', 'valid', 'ttl', 'expire', 'limit']);

/** A metric that breaks the rule: code `ERR_METERKIT_INVALID_METRIC`, with the field at fault. */
export class InvalidMetricError extends MeterkitError {
  /** The field at fault (`shape` when the metric is not an object, or the batch not an array). */
  readonly field: InvalidMetricField;

  constructor(field: InvalidMetricField, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.InvalidMetric, message, options);
    this.field = field;
  }
}

// C0 and C1 control characters and DEL
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function where(at: number | undefined): string {
  return at === undefined ? 'metric' : `metric [${at}]`;
}

function fail(field: InvalidMetricField, at: number | undefined, v: unknown, rule: string): never {
  throw new InvalidMetricError(field, `invalid ${where(at)} ${field} ${describeValue(v)}: ${rule}`);
}

/** Checks a metric name (also the rule of the `:name` in `GET /monitor/v1/metrics/:name`). */
export function checkMetricName(name: unknown, at?: number): string {
  if (typeof name !== 'string' || name.length > MAX_METRIC_NAME_LENGTH || !METRIC_NAME_RULE.test(name)) {
    fail('name', at, name, `it must be a string of at most ${MAX_METRIC_NAME_LENGTH} characters: a letter or _, then letters, digits, _, ., - or :`);
  }
  return name;
}

/** The peer id rule, for the callers that throw it with their own code. */
export const PEER_ID_RULE = `it must be a string of 1 to ${MAX_PEER_ID_LENGTH} characters with no control characters`;

/** True when `peer` is a valid peer id ({@link PEER_ID_RULE}). */
export function isPeerId(peer: unknown): peer is string {
  return typeof peer === 'string' && peer.length > 0 && peer.length <= MAX_PEER_ID_LENGTH && !CONTROL.test(peer);
}

/** Checks a peer id. */
export function checkPeerId(peer: unknown, at?: number): string {
  if (!isPeerId(peer)) fail('peer', at, peer, PEER_ID_RULE);
  return peer;
}

/**
 * Checks a metric as a peer sent it and returns its expiry (ms since the epoch) given the
 * monitor's clock `now`. `knownIds` skips the name and peer rules: the caller found a window
 * under exactly these strings, so they passed them when the window was made (the hot path of a
 * peer that keeps reporting). `at` is the index in a batch, named in the message.
 * @throws InvalidMetricError naming the field, the value and the rule.
 */
export function checkMetric(m: unknown, now: number, knownIds: boolean, at?: number): number {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) fail('shape', at, m, 'a metric must be a JSON object {name, peer, value, valid, ttl | expire}');
  const input = m as Record<string, unknown>;
  if (!knownIds) {
    checkMetricName(input.name, at);
    checkPeerId(input.peer, at);
  }
  const value = input.value;
  if (value !== undefined) {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) fail('value', at, value, 'a number must be finite');
    } else if (typeof value !== 'string' || value.length > MAX_STRING_VALUE_LENGTH) {
      fail('value', at, value, `it must be a finite number or a string of at most ${MAX_STRING_VALUE_LENGTH} characters`);
    }
  }
  if (input.valid !== undefined && typeof input.valid !== 'boolean') fail('valid', at, input.valid, 'it must be true or false');
  const { ttl, expire } = input;
  if (ttl !== undefined) {
    if (expire !== undefined) fail('expire', at, expire, 'give exactly one of ttl and expire, not both');
    try {
      return now + checkDuration('ttl', ttl);
    } catch (err) {
      throw new InvalidMetricError('ttl', `invalid ${where(at)} ttl: ${(err as Error).message}`, { cause: err });
    }
  }
  if (expire === undefined) fail('ttl', at, ttl, 'give exactly one of ttl (ms to live, > 0) and expire (ms since the epoch, in the future)');
  if (typeof expire !== 'number' || !Number.isSafeInteger(expire) || expire <= now) {
    fail('expire', at, expire, `it must be a whole number of ms since the epoch after now (${now})`);
  }
  return expire;
}
