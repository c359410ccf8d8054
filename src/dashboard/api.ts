/**
 * The dashboard's JSON API, mounted under `/api/v1` (the agent's auth and concurrency cap apply):
 * - `GET /api/v1/status`: which features are on, and the flag and config key that turn on each that is off;
 * - `GET /api/v1/families[?q=TEXT][&limit=N]`: families whose name or help contains TEXT
 *   (case-insensitive), `[{name, kind, unit, help, series}]`, sorted by name, the first `limit`
 *   (default 200, ≤ 1000);
 * - `GET /api/v1/series?family=NAME[&limit=N]`: its series now, `[{id, labels, values}]` (the
 *   registry's collectors run first, at most once per sample interval);
 * - `GET /api/v1/history?series=ID[&series=ID…]`: watches them and answers
 *   `{interval, capacity, series: {ID: [[t, …values], …]}}`; 429 past the watch limit, 404 for an
 *   id that names no current series (it takes no slot);
 * - `GET /api/v1/events?series=ID…`: Server-Sent Events (see events.ts); `HEAD` gets the
 *   stream's headers only (no stream, no slot, nothing watched).
 * A series ID is `name{label="value",…}` (labels in the family's order), as `series` returns it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { parseWhole } from '../core/options.js';
import type { Recorder } from '../core/recorder.js';
import { BadRequest, sendError, sendJson } from '../http/body.js';
import { allowMethods } from '../http/health.js';
import type { Handler } from '../http/server.js';
import { EventHub } from './events.js';
import type { FamilySource, History } from './history.js';
import { POINT_QUANTILES, seriesId, valuesOf } from './history.js';

/** The common prefix of the dashboard API's paths. */
export const DASHBOARD_API_BASE = '/api/v1';

/** A feature of the agent, as `/api/v1/status` reports it. */
export interface FeatureStatus {
  on: boolean;
  /** How to turn it on from the command line (the agent writes it; the page shows it as it is). */
  flag: string;
  /** The config file key that turns it on. */
  key: string;
  /** Where its own API is mounted, when on (`/servers`, `/monitor/v1`, `/notify/v1`). */
  api?: string;
}

/** The body of `GET /api/v1/status`: the agent fills it. */
export interface DashboardStatus {
  version?: string;
  features: Record<'process' | 'docker' | 'proxy' | 'monitor' | 'notify' | 'stream', FeatureStatus>;
  [key: string]: unknown;
}

/** Options of {@link createDashboardApi}. */
export interface DashboardApiOptions {
  /** The registry (families, series); its collectors run before `series` answers, as on a scrape. */
  registry: FamilySource & { collect?: () => Promise<void> };
  history: History;
  status: () => DashboardStatus;
  /** Event streams open at once. Default 4. */
  maxClients?: number;
  metrics?: Recorder;
}

/** The `/api/v1` handler and what it holds open. */
export interface DashboardApi {
  handler: Handler;
  events: EventHub;
  close(): void;
}

/** The HTTP status of each reason History.watch refuses for. */
const WATCH_REFUSALS: Readonly<Record<string, number>> = { [ErrorCode.DashboardLimit]: 429, [ErrorCode.DashboardUnknownSeries]: 404 };

/** One family in `GET /api/v1/families`. */
interface FamilyInfo {
  name: string;
  kind: string;
  unit: string | null;
  help: string | null;
  series: number;
}

function limitOf(params: URLSearchParams, dflt: number): number {
  const l = params.get('limit');
  if (l === null) return dflt;
  try {
    return parseWhole('limit', l, { min: 1, max: 1000 });
  } catch (err) {
    throw new BadRequest(400, (err as Error).message);
  }
}

function idsOf(params: URLSearchParams): string[] {
  const ids = [...new Set(params.getAll('series'))];
  if (ids.length === 0) throw new BadRequest(400, 'give at least one series=ID (an id from /api/v1/series)');
  return ids;
}

/** See the file comment. */
export function createDashboardApi(o: DashboardApiOptions): DashboardApi {
  const { registry, history } = o;
  const events = new EventHub(history, { maxClients: o.maxClients, metrics: o.metrics });
  const watch = (res: ServerResponse, ids: string[]): boolean => {
    try {
      history.watch(ids);
      return true;
    } catch (err) {
      const status = !(err instanceof MeterkitError) ? undefined : WATCH_REFUSALS[err.code];
      if (status === undefined) throw err;
      sendJson(res, status, { error: (err as Error).message });
      return false;
    }
  };
  const families = (params: URLSearchParams): FamilyInfo[] => {
    const q = (params.get('q') ?? '').toLowerCase();
    const limit = limitOf(params, 200);
    const out: FamilyInfo[] = [];
    for (const f of registry.families()) {
      if (q !== '' && !f.name.toLowerCase().includes(q) && !(f.description ?? '').toLowerCase().includes(q)) continue;
      out.push({ name: f.name, kind: f.kind, unit: f.unit ?? null, help: f.description ?? null, series: f.seriesCount });
    }
    // sorted before the cut: `limit` gives the first N names, not N names in registration order
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, limit);
  };
  let collected = -Infinity;
  const series = async (params: URLSearchParams): Promise<unknown> => {
    const name = params.get('family');
    if (name === null) throw new BadRequest(400, 'give family=NAME (a name from /api/v1/families)');
    // a view asks for several families at once: one collection per sample interval serves them
    // all, so a dashboard never runs the collectors (a Docker engine's API) more than a scrape a second
    const now = Date.now();
    if (now - collected >= history.interval) {
      collected = now;
      await registry.collect?.();
    }
    const f = registry.family(name);
    if (f === undefined) throw new BadRequest(404, `no family named ${JSON.stringify(name)}`);
    const limit = limitOf(params, 1000);
    const out: unknown[] = [];
    f.forEachSeries((s, values) => {
      if (out.length >= limit) return;
      const labels = Object.fromEntries(s.owner.labelNames.map((n, i) => [n, values[i] ?? '']));
      out.push({ id: seriesId(name, s.owner.labelNames, values), labels, values: valuesOf(s) });
    });
    const bounds = f.layout === undefined ? undefined : [...f.layout.bounds];
    return { family: name, kind: f.kind, bounds, quantiles: f.kind === 'histogram' ? POINT_QUANTILES : undefined, series: out };
  };
  const handler: Handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.slice(DASHBOARD_API_BASE.length);
    try {
      if (!allowMethods(req, res)) return;
      switch (path) {
        case '/status':
          return sendJson(res, 200, o.status());
        case '/families':
          return sendJson(res, 200, families(url.searchParams));
        case '/series':
          return sendJson(res, 200, await series(url.searchParams));
        case '/history': {
          const ids = idsOf(url.searchParams);
          if (!watch(res, ids)) return;
          const out: Record<string, unknown> = {};
          for (const id of ids) out[id] = history.points(id) ?? [];
          return sendJson(res, 200, { interval: history.interval, capacity: history.capacity, series: out });
        }
        case '/events': {
          const ids = idsOf(url.searchParams);
          if (req.method === 'HEAD') return events.head(res);
          // the client limit first: a refused stream must not watch anything
          if (events.refuseWhenFull(res) || !watch(res, ids)) return;
          return events.serve(req, res, ids);
        }
        default:
          throw new BadRequest(404, `no such resource: ${url.pathname} (serves ${DASHBOARD_API_BASE}/status, /families, /series, /history and /events)`);
      }
    } catch (err) {
      if (err instanceof BadRequest) return sendError(res, err);
      throw err;
    }
  };
  return { handler, events, close: () => events.close() };
}
