/**
 * The messages between a primary and its workers. Other libraries share the IPC channel
 * (prom-client, PM2, an application's own messages), so every message of ours carries the tag
 * {@link TAG} and anything without it is left alone on both sides.
 */
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { compileMatcher } from '../core/matcher.js';
import type { AggregationMode } from './snapshot.js';
import { AGGREGATION_MODES } from './snapshot.js';

/**
 * The tag on every message of ours: `{ [TAG]: 'ready' | 'hello' | 'request' | 'response', … }`.
 * A worker says `ready` once it listens, so a primary never waits on a worker still starting,
 * but only to a primary known to be meterkit's (see {@link PRIMARY_ENV}); a primary says
 * `hello` to a live worker it has not heard from, which answers `ready` if it serves.
 */
export const TAG = 'meterkit:cluster';

/**
 * Set by a ClusterAggregator in its process's environment to its pid: processes forked from it
 * inherit it, and a worker whose parent pid it names says `ready` as soon as it listens.
 */
export const PRIMARY_ENV = 'METERKIT_CLUSTER_PRIMARY';

/** The primary asks for a snapshot. */
export interface SnapshotRequest {
  readonly [TAG]: 'request';
  readonly id: number;
  /** How long the worker's own collectors may run, ms. */
  readonly inlineTimeout: number;
}

/** A worker answers: a snapshot, or the reason it has none. */
export interface SnapshotResponse {
  readonly [TAG]: 'response';
  readonly id: number;
  readonly snapshot?: unknown;
  readonly error?: string;
}

/** True for a message of ours of kind `kind`. */
export function isOurs(msg: unknown, kind: 'ready' | 'hello' | 'request' | 'response'): msg is Record<string, unknown> {
  return typeof msg === 'object' && msg !== null && (msg as Record<string, unknown>)[TAG] === kind;
}

/** A metric name, glob or RegExp and the mode for the families it selects. */
export type AggregationRule = readonly [string | RegExp, AggregationMode];

/**
 * Aggregation modes by metric name: exact names win over patterns, later rules over earlier.
 * The one place both sides (the worker's choice, the primary's override) keep them.
 */
export class ModeRules {
  private readonly rules: Array<[string | RegExp, (name: string) => boolean, AggregationMode]> = [];

  constructor(rules: readonly AggregationRule[] = []) {
    for (const [m, mode] of rules) this.set(m, mode);
  }

  /**
   * Sets the mode of the families `match` selects.
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` for an unknown mode or a bad matcher.
   */
  set(match: string | RegExp, mode: AggregationMode): void {
    if (!AGGREGATION_MODES.includes(mode)) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid aggregation mode ${describeValue(mode)}: use one of ${AGGREGATION_MODES.join(', ')}`);
    }
    if (typeof match !== 'string' && !(match instanceof RegExp)) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid aggregation matcher ${describeValue(match)}: use a metric name, a glob with * or a RegExp`);
    }
    // a rule for the same name or pattern replaces the old one (meterkit/prom-client re-tells
    // every metric's aggregator before each snapshot: kept, the list would grow every scrape)
    const same = this.rules.findIndex(([m]) => (typeof m === 'string' ? m === match : typeof match !== 'string' && m.source === match.source && m.flags === match.flags));
    if (same >= 0) this.rules.splice(same, 1);
    this.rules.push([match, compileMatcher(match), mode]);
  }

  /** The number of rules kept. */
  get size(): number {
    return this.rules.length;
  }

  /** The mode set for `name`, or undefined: the last exact rule, else the last matching pattern. */
  get(name: string): AggregationMode | undefined {
    let pattern: AggregationMode | undefined;
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const [m, test, mode] = this.rules[i] as [string | RegExp, (name: string) => boolean, AggregationMode];
      if (m === name) return mode;
      if (pattern === undefined && m !== name && test(name)) pattern = mode;
    }
    return pattern;
  }
}
