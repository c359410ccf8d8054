/**
 * `GET /api/v1/events?series=ID…`: Server-Sent Events with the latest point of each asked-for
 * series, one `data:` message per sample of the {@link History} (so at most one per second per
 * client with the default interval).
 *
 * **Backpressure.** At most `maxClients` streams are open at once; one more gets 503 with
 * `Retry-After`, counted in `meterkit_dashboard_rejected_clients_total`. A client whose socket
 * buffer is still full from the last message is skipped for this sample (counted in
 * `meterkit_dashboard_skipped_updates_total`): a slow tab never makes the agent buffer.
 * An established stream leaves the HTTP server's `maxConcurrent` cap (maxClients bounds the
 * streams): open tabs never take the slots that scrapes need.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkWhole } from '../core/options.js';
import type { Counter, Gauge } from '../core/handles.js';
import type { Recorder } from '../core/recorder.js';
import { leaveConcurrencyCap } from '../http/server.js';
import type { History } from './history.js';

/** Counter of event streams refused for being one too many. */
export const REJECTED_CLIENTS_METRIC = 'meterkit_dashboard_rejected_clients_total';
/** Counter of updates not sent to a client whose socket was still full. */
export const SKIPPED_UPDATES_METRIC = 'meterkit_dashboard_skipped_updates_total';
/** Gauge of open event streams. */
export const CLIENTS_METRIC = 'meterkit_dashboard_clients';

/** The headers of an event stream: what `serve` sends, and `head` alone. */
const STREAM_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' } as const;

interface Client {
  res: ServerResponse;
  ids: readonly string[];
}

/** The event streams of the dashboard. */
export class EventHub {
  readonly maxClients: number;
  private readonly clients = new Set<Client>();
  private readonly rejected: Counter | null;
  private readonly skipped: Counter | null;
  private readonly open: Gauge | null;
  private readonly stop: () => void;

  constructor(
    private readonly history: History,
    options: { maxClients?: number; metrics?: Recorder } = {},
  ) {
    this.maxClients = options.maxClients === undefined ? 4 : checkWhole('maxClients', options.maxClients, { min: 1, max: 1000 });
    const m = options.metrics;
    if (m !== undefined) {
      m.describeCounter(REJECTED_CLIENTS_METRIC, undefined, 'Dashboard event streams refused: maxClients were open');
      m.describeCounter(SKIPPED_UPDATES_METRIC, undefined, "Dashboard updates not sent because the client's socket was still full");
      m.describeGauge(CLIENTS_METRIC, undefined, 'Dashboard event streams open');
    }
    this.rejected = m?.registerCounter(REJECTED_CLIENTS_METRIC) ?? null;
    this.skipped = m?.registerCounter(SKIPPED_UPDATES_METRIC) ?? null;
    this.open = m?.registerGauge(CLIENTS_METRIC) ?? null;
    this.stop = history.onSample((t) => this.broadcast(t));
  }

  /** Open streams. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * Answers 503 (counted) and returns true when `maxClients` streams are open: what a caller
   * checks before it watches anything for a new stream.
   */
  refuseWhenFull(res: ServerResponse): boolean {
    if (this.clients.size < this.maxClients) return false;
    this.rejected?.increment(1);
    res
      .writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '5' })
      .end(`${JSON.stringify({ error: `busy: ${this.clients.size} event streams are open, the most this agent serves (maxClients)` })}\n`);
    return true;
  }

  /** Serves one stream of `ids` (already watched by the caller), or 503 past `maxClients`. */
  serve(req: IncomingMessage, res: ServerResponse, ids: readonly string[]): void {
    if (this.refuseWhenFull(res)) return;
    const c: Client = { res, ids };
    this.clients.add(c);
    this.open?.set(this.clients.size);
    res.writeHead(200, STREAM_HEADERS);
    // the interval tells EventSource how long to wait before reconnecting
    res.write(`retry: ${Math.max(1000, this.history.interval)}\n\n`);
    res.once('close', () => {
      this.clients.delete(c);
      this.open?.set(this.clients.size);
    });
    req.socket.setNoDelay(true);
    leaveConcurrencyCap(res);
  }

  /**
   * Answers a HEAD request: a stream's headers and nothing else. A HEAD response has no body, so
   * served as a stream it would never end and would hold a slot (and keep its series watched)
   * for as long as a prober (`curl -I`, a health check) kept the connection.
   */
  head(res: ServerResponse): void {
    res.writeHead(200, STREAM_HEADERS).end();
  }

  private broadcast(t: number): void {
    for (const c of this.clients) {
      this.history.keep(c.ids);
      if (c.res.writableNeedDrain) {
        this.skipped?.increment(1);
        continue;
      }
      const points: Record<string, unknown> = {};
      for (const id of c.ids) {
        const p = this.history.last(id);
        if (p !== undefined && p[0] === t) points[id] = p;
      }
      c.res.write(`data: ${JSON.stringify({ t, points })}\n\n`);
    }
  }

  /** Ends every stream. */
  close(): void {
    this.stop();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}
