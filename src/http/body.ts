/**
 * Request bodies for REST handlers: bounded in size, parsed as JSON, and every failure a
 * reply the client can act on (413, 415, 400 naming what is wrong), never a crash.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bytes of a JSON request body accepted by default. */
export const MAX_JSON_BODY = 64 * 1024;

/** A request the handler refuses: the status and the message to send. */
export class BadRequest extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one rule for JSON bytes from the network (HTTP bodies, NATS messages): UTF-8 decoded with
 * a fatal decoder, so a byte sequence that is not UTF-8 is refused, never replaced by U+FFFD and
 * stored mangled; then JSON. A leading BOM is dropped.
 * @throws TypeError (not UTF-8) or SyntaxError (not JSON), with the reason in the message.
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  return JSON.parse(UTF8.decode(bytes)) as unknown;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The charset parameter of a Content-Type, lower-cased and unquoted; undefined when absent. */
function charsetOf(contentType: string): string | undefined {
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    return param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}

/**
 * Reads a body of at most `limit` bytes, as raw bytes (a signature is checked on them).
 * @throws BadRequest 413 when the declared or the received length passes the limit
 */
export async function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new BadRequest(413, `body of ${declared} bytes is over the limit of ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BadRequest(413, `body is over the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads and parses a JSON body of at most `limit` bytes: `Content-Type: application/json`
 * (charset absent or utf-8, else 415), UTF-8 by {@link parseJsonBytes} (else 400).
 * @throws BadRequest
 */
export async function readJson(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<unknown> {
  const contentType = req.headers['content-type'] ?? '';
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new BadRequest(415, `send the body as application/json (got ${type === '' ? 'no Content-Type' : type})`);
  const charset = charsetOf(contentType);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new BadRequest(415, `send the body as UTF-8 JSON (got charset=${JSON.stringify(charset.slice(0, 40))}; JSON is UTF-8, RFC 8259)`);
  }
  const bytes = await readBytes(req, limit);
  try {
    return parseJsonBytes(bytes);
  } catch (err) {
    const notUtf8 = !(err instanceof SyntaxError);
    throw new BadRequest(400, notUtf8 ? `body is not UTF-8: ${(err as Error).message}` : `body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Sends `value` as pretty JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(`${JSON.stringify(value, null, 2)}\n`);
}

/** Items of a JSON array written between two turns of the event loop by {@link sendJsonArray}. */
export const JSON_SLICE = 2000;

/**
 * Sends an array (any iterable: a generator computes items as they are written) as compact JSON,
 * `JSON_SLICE` items at a time with a turn of the event loop between slices, and waiting for
 * `'drain'` when the socket is full: a reply of 100 000 items never blocks the loop for long,
 * and a slow client never makes it buffer the whole reply. Stops when the client goes away.
 */
export async function sendJsonArray(res: ServerResponse, items: Iterable<unknown>, sliceSize = JSON_SLICE): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  let chunk = '[';
  let n = 0;
  for (const item of items) {
    chunk += n === 0 ? JSON.stringify(item) : `,${JSON.stringify(item)}`;
    if (++n % sliceSize === 0) {
      await nextSlice(res, chunk);
      if (res.destroyed) return;
      chunk = '';
    }
  }
  res.end(`${chunk}]\n`);
}

/** Writes `chunk`, then resolves on the next turn of the loop, or once drained when the socket is full (or closed). */
function nextSlice(res: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.write(chunk)) {
      setImmediate(resolve);
      return;
    }
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      // a socket that drains at once (loopback) emits 'drain' from the write itself: still turn the loop
      setImmediate(resolve);
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Sends a refusal as `{"error": message}`. A 413 also closes the connection (the rest of the body is not read). */
export function sendError(res: ServerResponse, err: BadRequest): void {
  if (err.status === 413) res.setHeader('Connection', 'close');
  sendJson(res, err.status, { error: err.message });
}
