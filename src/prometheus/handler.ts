import { allowMethods } from '../http/health.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Handler } from '../http/server.js';
import { acceptsGzip } from '../http/negotiate.js';
import { negotiate } from './format.js';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { checkWhole } from '../core/options.js';
import { DEFAULT_INLINE_TIMEOUT, inlineTimeoutFor } from '../core/collect.js';
import type { MetricSource } from './render.js';
import { renderBuffers } from './render.js';
import { Flight } from './shared-render.js';

/** A source that can also run its scrape-time collectors (a Registry can). */
export interface CollectingSource extends MetricSource {
  collect?(options?: { inlineTimeout?: number }): Promise<void>;
  /** How long a scrape waits for collectors (ms); default 10 000. */
  readonly collectTimeout?: number;
}

/** A positive decimal number, as Prometheus writes seconds (`10`, `0.5`): no sign, no exponent. */
const SECONDS = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

/**
 * The scraper's timeout in ms from `X-Prometheus-Scrape-Timeout-Seconds`, or undefined when the
 * header is absent, repeated or not a positive decimal number of seconds (then it is ignored:
 * the header only advises, and a scrape is served all the same).
 */
export function scrapeTimeoutMs(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string') return undefined;
  const text = header.trim();
  if (!SECONDS.test(text)) return undefined;
  const ms = Number(text) * 1000;
  return ms > 0 && ms < Infinity ? ms : undefined;
}

/** Options of {@link createMetricsHandler}. */
export interface MetricsHandlerOptions {
  /**
   * Offer OpenMetrics 1.0 to clients that ask for it in `Accept`. Default false, as in
   * client_golang (`EnableOpenMetrics`): Prometheus prefers OpenMetrics when offered, and then
   * stores `le`/`quantile` labels in its canonical spelling (`le="1.0"`, where text 0.0.4 and
   * prom-client give `le="1"`), so rules and dashboards pinned to a bucket stop matching.
   */
  openMetrics?: boolean;
  /**
   * Add `_created` samples to OpenMetrics responses (client_golang's
   * `EnableOpenMetricsTextCreatedSamples`). Default false: a scraper that ingests them stores
   * one more series per counter, histogram and summary. Needs `openMetrics: true`.
   */
  created?: boolean;
  /** Compress when the client accepts gzip. Default true. */
  gzip?: boolean;
  /** Series rendered between turns of the event loop. Default 10 000 (see {@link renderBuffers}). */
  sliceSize?: number;
}

function flag(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new MeterkitError(ErrorCode.InvalidArgument, `invalid ${name} ${describeValue(v)}: it must be true or false`);
  return v;
}

/**
 * A handler for `/metrics`: runs the source's collectors, then streams text 0.0.4, or
 * OpenMetrics when enabled and the `Accept` header asks for it (see {@link negotiate}), with the
 * exact Content-Type, gzip when accepted; HEAD answers headers only, other methods get 405.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` for a bad option, or `created`
 *   without `openMetrics`.
 */
export function createMetricsHandler(source: CollectingSource, options: MetricsHandlerOptions = {}): Handler {
  const gzip = options.gzip === undefined ? true : flag('gzip option', options.gzip);
  const openMetrics = flag('openMetrics option', options.openMetrics);
  const created = flag('created option', options.created);
  if (created && !openMetrics) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid created option true without openMetrics: _created samples exist only in OpenMetrics, so enable openMetrics too');
  }
  const sliceSize = options.sliceSize === undefined ? undefined : checkWhole('sliceSize option', options.sliceSize);
  /** Renders in flight, by format and compression: concurrent scrapes of one variant share one. */
  const flights = new Map<string, Flight>();
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (!allowMethods(req, res)) return;
    const { format, contentType } = negotiate(req.headers.accept, openMetrics);
    const compress = gzip && acceptsGzip(req.headers['accept-encoding']);
    const headers: Record<string, string> = {
      'Content-Type': contentType,
      Vary: 'Accept, Accept-Encoding',
      'Cache-Control': 'no-store',
    };
    if (compress) headers['Content-Encoding'] = 'gzip';
    if (req.method === 'HEAD') {
      res.writeHead(200, headers).end();
      return;
    }
    // the scraper's timeout can only shorten the source's own inline timeout
    const timeout = scrapeTimeoutMs(req.headers['x-prometheus-scrape-timeout-seconds']);
    if (timeout === undefined) await source.collect?.();
    else await source.collect?.({ inlineTimeout: inlineTimeoutFor(source.collectTimeout ?? DEFAULT_INLINE_TIMEOUT, timeout) });
    res.writeHead(200, headers);
    // no await between here and reader(): scrapes released together by one collector run
    // all join the flight the first of them starts
    const key = compress ? `${format}+gzip` : format;
    let flight = flights.get(key);
    if (flight === undefined || !flight.open) {
      const started: Flight = new Flight(renderBuffers(source, { format, created, sliceSize }), compress, () => {
        if (flights.get(key) === started) flights.delete(key);
      });
      flights.set(key, started);
      flight = started;
    }
    try {
      await pipeline(flight.reader(), res);
    } catch (err) {
      // the client went away mid-body: its socket is destroyed and the others read on; a
      // failed render is the server's error, for HttpServer's onError
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    }
  };
}
