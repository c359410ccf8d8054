/**
 * The monitor's HTTP transport: handlers the agent mounts on its {@link HttpServer} (so the
 * agent's auth, concurrency cap and timeouts apply) under `/monitor/v1`:
 * - `POST /monitor/v1/metrics`: a JSON array of {@link MetricInput}, logged all or nothing;
 *   200 `{"logged": n}`, 400 naming the index and field of the first bad metric (or a body
 *   that is not UTF-8 JSON), 413 over the body limit, 415 without `Content-Type:
 *   application/json` or with a charset other than utf-8;
 * - `GET /monitor/v1/peers`: `status()`, an array of {@link PeerStatus};
 * - `GET /monitor/v1/metrics/:name`: `lastMetrics(name)`, an array of {@link Metric};
 * - `GET /monitor/v1/alerts`: `recentAlerts()`, the last 100 {@link Alert}s raised, newest first
 *   (404 for a source without it).
 *
 * The two GETs answer compact JSON written in slices of 2 000 rows (`JSON_SLICE`) with a turn of
 * the event loop between them (`sendJsonArray`); the peers' rows are computed as they are
 * written (`Monitor.statusRows()`), so 100 000 windows never block the loop for long.
 *
 * **Backpressure.** A batch is read whole (at most `bodyLimit` bytes) and logged in one turn of
 * the event loop; the server's `maxConcurrent` bounds how many are read at once. A refused
 * batch is counted in {@link MONITOR_HTTP_REJECTED_METRIC} by reason.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeterkitError } from '../core/errors.js';
import { checkWhole } from '../core/options.js';
import type { Counter } from '../core/handles.js';
import type { Recorder } from '../core/recorder.js';
import { BadRequest, readJson, sendError, sendJson, sendJsonArray } from '../http/body.js';
import { allowMethods } from '../http/health.js';
import type { Handler } from '../http/server.js';
import type { Alert, Metric, PeerStatus } from './types.js';
import { MONITOR_HTTP } from './types.js';
import { checkMetricName } from './validate.js';

/** What the handlers need of a monitor (a `Monitor` is one). */
export interface MonitorSource {
  logMetrics(batch: unknown): number;
  status(): PeerStatus[];
  lastMetrics(name: string): Metric[];
  /** `status()`'s rows computed as they are written (a Monitor has it); `status()` when absent. */
  statusRows?(): Iterable<PeerStatus>;
  /** The last alerts raised, newest first (a Monitor has it); `GET /monitor/v1/alerts` is 404 without it. */
  recentAlerts?(): Alert[];
}

/** Bytes of a `POST /monitor/v1/metrics` body accepted by default (about 5 000 metrics). */
export const DEFAULT_MONITOR_BODY_LIMIT = 1024 * 1024;

/** Counter of batches `POST /monitor/v1/metrics` refused, by `reason`. */
export const MONITOR_HTTP_REJECTED_METRIC = 'meterkit_monitor_http_rejected_batches_total';

/** Why a batch was refused: the `reason` label of {@link MONITOR_HTTP_REJECTED_METRIC}. */
export type MonitorRejectReason = 'invalid' | 'too_large' | 'media_type';

/** Options of {@link createMonitorApi}. */
export interface MonitorApiOptions {
  /** Bytes a posted batch may have. Default {@link DEFAULT_MONITOR_BODY_LIMIT}. */
  bodyLimit?: number;
  /** Where {@link MONITOR_HTTP_REJECTED_METRIC} is counted (e.g. the agent's Registry). */
  metrics?: Recorder;
}

/** The common prefix of the monitor's paths, for {@link HttpServer.routeTree}. */
export const MONITOR_HTTP_BASE = '/monitor/v1';

const REASONS: Readonly<Record<number, MonitorRejectReason>> = { 400: 'invalid', 413: 'too_large', 415: 'media_type' };

/**
 * The `/monitor/v1` handler for {@link HttpServer.routeTree}.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad `bodyLimit`.
 */
export function createMonitorApi(monitor: MonitorSource, options: MonitorApiOptions = {}): Handler {
  const limit = options.bodyLimit === undefined ? DEFAULT_MONITOR_BODY_LIMIT : checkWhole('monitor bodyLimit', options.bodyLimit);
  const rejected = new Map<MonitorRejectReason, Counter>();
  const metrics = options.metrics;
  if (metrics !== undefined) {
    metrics.describeCounter(MONITOR_HTTP_REJECTED_METRIC, undefined, 'Metric batches POST /monitor/v1/metrics refused, by reason');
    // present from the start, so rate() and alerts see it
    for (const r of Object.values(REASONS)) rejected.set(r, metrics.registerCounter(MONITOR_HTTP_REJECTED_METRIC, { reason: r }));
  }
  const ingest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJson(req, limit);
    let n: number;
    try {
      n = monitor.logMetrics(body);
    } catch (err) {
      // the monitor's validation names the index, the field, the value and the rule
      if (err instanceof MeterkitError) throw new BadRequest(400, err.message);
      throw err;
    }
    sendJson(res, 200, { logged: n });
  };
  return async (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    try {
      if (path === MONITOR_HTTP.metrics) {
        if (!allowMethods(req, res, ['POST'])) return;
        return await ingest(req, res);
      }
      if (path === MONITOR_HTTP.peers) {
        if (!allowMethods(req, res)) return;
        return await sendJsonArray(res, monitor.statusRows?.() ?? monitor.status());
      }
      if (path === MONITOR_HTTP.alerts && monitor.recentAlerts !== undefined) {
        if (!allowMethods(req, res)) return;
        return sendJson(res, 200, monitor.recentAlerts());
      }
      if (path.startsWith(MONITOR_HTTP.metricsByName)) {
        // every character a metric name may hold is URL-safe, so the raw segment is the name
        const name = path.slice(MONITOR_HTTP.metricsByName.length);
        try {
          checkMetricName(name);
        } catch (err) {
          if (err instanceof MeterkitError) throw new BadRequest(400, `${err.message} (in the path)`);
          throw err;
        }
        if (!allowMethods(req, res)) return;
        return await sendJsonArray(res, monitor.lastMetrics(name));
      }
      throw new BadRequest(404, `no such resource: ${path} (the monitor serves ${MONITOR_HTTP.metrics}, ${MONITOR_HTTP.peers}, ${MONITOR_HTTP.alerts} and ${MONITOR_HTTP.metricsByName}NAME)`);
    } catch (err) {
      if (err instanceof BadRequest) {
        if (path === MONITOR_HTTP.metrics) rejected.get(REASONS[err.status] ?? 'invalid')?.increment(1);
        return sendError(res, err);
      }
      throw err;
    }
  };
}
