import { allowMethods } from '../http/health.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Handler } from '../http/server.js';
import { checkWhole } from '../core/options.js';
import type { JsonSource } from './expvar.js';
import { renderVarsChunks } from './expvar.js';
import { GcStats } from './memstats.js';
import { redactArgv } from './redact.js';

/** Options of {@link createJsonHandler}. */
export interface JsonHandlerOptions {
  /** The `cmdline` published. Default `redactArgv(process.argv)`, read on every request. */
  cmdline?: readonly string[];
  /** GC counters for `memstats`. Default: the handler starts its own, stopped by `close()`. */
  gc?: GcStats;
  /** Series written between turns of the event loop. Default 2000. */
  sliceSize?: number;
  /** More top-level variables, read on every request (see VarsOptions.extra). */
  extra?: () => Readonly<Record<string, unknown>>;
}

/** The `/debug/vars` handler; `close()` stops the GC observer it started. */
export type JsonHandler = Handler & { close(): Promise<void> };

/** True when `err` only says the client went away before the document was written. */
function clientLeft(err: unknown, res: ServerResponse): boolean {
  return res.destroyed && (err as NodeJS.ErrnoException | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/**
 * A handler for `/debug/vars`: runs the source's collectors, then streams Go's expvar document
 * (see `renderVarsChunks`) in slices through `stream.pipeline`. GET and HEAD; other methods
 * get 405.
 */
export function createJsonHandler(source: JsonSource, options: JsonHandlerOptions = {}): JsonHandler {
  const sliceSize = options.sliceSize === undefined ? undefined : checkWhole('sliceSize', options.sliceSize);
  const gc = options.gc ?? new GcStats();
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowMethods(req, res)) return;
    const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers).end();
      return;
    }
    await source.collect?.();
    res.writeHead(200, headers);
    const cmdline = options.cmdline ?? redactArgv(process.argv);
    // highWaterMark 1: a slice is written only when the socket has taken the one before
    const body = Readable.from(renderVarsChunks(source, { cmdline, gc, sliceSize, extra: options.extra }), { objectMode: true, highWaterMark: 1 });
    try {
      await pipeline(body, res);
    } catch (err) {
      if (!clientLeft(err, res)) throw err;
    }
  };
  return Object.assign(handler, {
    close: async (): Promise<void> => {
      if (options.gc === undefined) await gc.close();
    },
  });
}
