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

/** Reads and parses a JSON body of at most `limit` bytes. @throws BadRequest */
export async function readJson(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new BadRequest(415, `send the body as application/json (got ${type === '' ? 'no Content-Type' : type})`);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new BadRequest(413, `body of ${declared} bytes is over the limit of ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BadRequest(413, `body is over the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    throw new BadRequest(400, `body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Sends `value` as pretty JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(`${JSON.stringify(value, null, 2)}\n`);
}

/** Sends a refusal as `{"error": message}`. A 413 also closes the connection (the rest of the body is not read). */
export function sendError(res: ServerResponse, err: BadRequest): void {
  if (err.status === 413) res.setHeader('Connection', 'close');
  sendJson(res, err.status, { error: err.message });
}
