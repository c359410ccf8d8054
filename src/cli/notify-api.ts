/**
 * The agent's notification API, mounted under `/notify/v1` on its HTTP server (so the agent's
 * auth, concurrency cap and timeouts apply):
 * - `POST /notify/v1/events`: a JSON array of events or an envelope `{"events":[…]}`; 202
 *   `{"accepted": n, "ids": [...]}` once the events are committed to the queue; 400 naming the
 *   first bad event, 413 over the body limit, 415 without JSON, 503 (Retry-After) when an
 *   endpoint's list is full or the queue fails;
 * - `GET /notify/v1/endpoints`: each endpoint's `/debug/vars` entry (name, redacted url, config,
 *   `Metrics`), without running the registry's collectors or rendering the rest of `/debug/vars`
 *   (what the dashboard's Notifications view polls);
 * - `GET /notify/v1/dead-letters[?endpoint=NAME][&limit=N]`: the dead letters, oldest first,
 *   at most {@link DEAD_LETTERS_LIMIT_MAX} (default 1000), written as compact JSON a slice at a
 *   time (`sendJsonArray`: turns of the event loop between slices, waiting for a slow client);
 * - `POST /notify/v1/dead-letters/replay[?endpoint=NAME]`: requeues them; `{"replayed": n}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { parseWhole } from '../core/options.js';
import { BadRequest, readJson, sendError, sendJson, sendJsonArray } from '../http/body.js';
import { allowMethods } from '../http/health.js';
import type { Handler } from '../http/server.js';
import type { Broadcaster, DeadLetterQuery, EventInput } from '../notify/index.js';
import { eventsFromBody } from '../notify/index.js';

/** The common prefix of the notification API's paths. */
export const NOTIFY_HTTP_BASE = '/notify/v1';

/** Bytes of a `POST /notify/v1/events` body accepted (a batch of small events; one event may have 64 KiB). */
export const NOTIFY_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * Most dead letters one `GET /notify/v1/dead-letters` lists: each may hold an event of 64 KiB,
 * and the queue reads the page into memory before it is written.
 */
export const DEAD_LETTERS_LIMIT_MAX = 5000;

/** Seconds a client is told to wait after a 503 (a full list drains as the endpoint answers). */
const RETRY_AFTER_S = 5;

function query(req: IncomingMessage, listing: boolean): DeadLetterQuery {
  const params = new URL(req.url ?? '/', 'http://x').searchParams;
  const q: { endpoint?: string; limit?: number } = {};
  const endpoint = params.get('endpoint');
  if (endpoint !== null) q.endpoint = endpoint;
  const limit = params.get('limit');
  if (limit !== null && listing) {
    try {
      q.limit = parseWhole('limit', limit, { max: DEAD_LETTERS_LIMIT_MAX });
    } catch (err) {
      throw new BadRequest(400, (err as Error).message);
    }
  }
  return q;
}

/** Options of {@link createNotifyApi}. */
export interface NotifyApiOptions {
  /** Serve `POST /notify/v1/events`. Default true; false on a `--notify-worker`, which takes no events. */
  ingest?: boolean;
}

/** The `/notify/v1` handler for {@link HttpServer.routeTree}. */
export function createNotifyApi(broadcaster: Broadcaster, options: NotifyApiOptions = {}): Handler {
  const ingesting = options.ingest !== false;
  const checked = (q: DeadLetterQuery): DeadLetterQuery => {
    // the endpoints of now: a reload may have added or removed some
    const names = broadcaster.endpoints().map((e) => e.name);
    if (q.endpoint !== undefined && !names.includes(q.endpoint)) throw new BadRequest(404, `no endpoint named ${JSON.stringify(q.endpoint)} (endpoints: ${names.join(', ')})`);
    return q;
  };
  const ingest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJson(req, NOTIFY_BODY_LIMIT);
    try {
      // write() checks every event field by field (normalizeEvent), so unknown input is safe here
      const events = await broadcaster.write(eventsFromBody(body) as EventInput[]);
      sendJson(res, 202, { accepted: events.length, ids: events.map((e) => e.id) });
    } catch (err) {
      if (!(err instanceof MeterkitError)) throw err;
      if (err.code === ErrorCode.InvalidEvent) throw new BadRequest(400, err.message);
      // nothing was stored: the client may send the same events again
      res.setHeader('Retry-After', String(RETRY_AFTER_S));
      sendJson(res, 503, { error: err.message });
    }
  };
  return async (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    try {
      if (path === `${NOTIFY_HTTP_BASE}/events` && ingesting) {
        if (!allowMethods(req, res, ['POST'])) return;
        return await ingest(req, res);
      }
      if (path === `${NOTIFY_HTTP_BASE}/endpoints`) {
        if (!allowMethods(req, res)) return;
        return sendJson(res, 200, broadcaster.vars().endpoints);
      }
      if (path === `${NOTIFY_HTTP_BASE}/dead-letters`) {
        if (!allowMethods(req, res)) return;
        return await sendJsonArray(res, await broadcaster.deadLetters(checked(query(req, true))));
      }
      if (path === `${NOTIFY_HTTP_BASE}/dead-letters/replay`) {
        if (!allowMethods(req, res, ['POST'])) return;
        return sendJson(res, 200, { replayed: await broadcaster.replay(checked(query(req, false))) });
      }
      const events = ingesting ? `${NOTIFY_HTTP_BASE}/events, ` : '';
      throw new BadRequest(404, `no such resource: ${path} (serves ${events}${NOTIFY_HTTP_BASE}/endpoints, ${NOTIFY_HTTP_BASE}/dead-letters and ${NOTIFY_HTTP_BASE}/dead-letters/replay${ingesting ? '' : '; a --notify-worker takes no events: post them to a producer'})`);
    } catch (err) {
      if (err instanceof BadRequest) return sendError(res, err);
      throw err;
    }
  };
}
