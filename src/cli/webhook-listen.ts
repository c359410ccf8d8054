/**
 * `meterkit webhook-listen`: a receiver for trying notifications out (and for tests). It
 * verifies each request's Standard Webhooks signature, prints each event as one JSON line on
 * stdout and answers 204; a bad or missing signature gets 401 and a line on stderr.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseHostPort } from '../core/address.js';
import { BadRequest, parseJsonBytes, readBytes } from '../http/body.js';
import { HttpServer } from '../http/server.js';
import { secretKey, verifyWebhook } from '../notify/index.js';
import { readSecret } from './secrets.js';
import { UsageError, asUsage, parseCommandArgs } from './usage.js';

/** Help of `meterkit webhook-listen`. */
export const WEBHOOK_LISTEN_HELP = `Usage: meterkit webhook-listen [host:port] --secret <whsec_…> [options]

Receives webhook notifications (meterkit agent --notify URL,secret=…) on any path: checks the
Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature; 5 minutes of
tolerance), prints each event as one JSON line on stdout and answers 204. A request whose
signature does not verify gets 401 and a line on stderr. host:port defaults to 127.0.0.1:8088.
SIGINT or SIGTERM stops it.

Options:
  --secret <whsec_…>      The endpoint's secret (or set METERKIT_WEBHOOK_SECRET)
  --secret-file <path>    Read the secret from a file (one trailing newline trimmed)
  --insecure              Accept unsigned requests (no --secret): nothing is verified
  -h, --help              Show this help
`;

/** Bytes of a request accepted (an agent's batch of 100 events is far below). */
const BODY_LIMIT = 16 * 1024 * 1024;

/** The events of a body: the envelope's `events`, a CloudEvents batch's items, else the body itself. */
function eventsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (typeof body === 'object' && body !== null && Array.isArray((body as { events?: unknown }).events)) return (body as { events: unknown[] }).events;
  return [body];
}

/** Runs `meterkit webhook-listen`; resolves to the exit code, or 'help'. */
export async function webhookListenCommand(
  args: readonly string[],
  out: (s: string) => void,
  err: (s: string) => void,
  untilSignal: () => Promise<string>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number | 'help'> {
  const { values, positionals } = parseCommandArgs(args, { secret: { type: 'string' }, 'secret-file': { type: 'string' }, insecure: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError(`one address at most (got ${positionals.length})`);
  const addr = positionals[0] ?? '127.0.0.1:8088';
  const { host, port } = asUsage(() => parseHostPort(addr, 'listen address'));
  const secret = readSecret({ flag: '--secret', value: values.secret, fileFlag: '--secret-file', file: values['secret-file'], envName: 'METERKIT_WEBHOOK_SECRET', env });
  if (secret === undefined && !values.insecure) throw new UsageError('give --secret whsec_… (or METERKIT_WEBHOOK_SECRET, --secret-file), or --insecure to accept unsigned requests');
  if (secret !== undefined && values.insecure) throw new UsageError('--secret and --insecure contradict each other: give one');
  const key = secret === undefined ? undefined : asUsage(() => secretKey(secret));
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end('use POST\n');
      return;
    }
    let body: Buffer;
    try {
      body = await readBytes(req, BODY_LIMIT);
    } catch (e) {
      if (!(e instanceof BadRequest)) throw e;
      res.writeHead(e.status, { Connection: 'close' }).end(`${e.message}\n`);
      return;
    }
    if (key !== undefined) {
      const v = verifyWebhook(key, req.headers, body);
      if (!v.ok) {
        err(`meterkit webhook-listen: refused ${req.url ?? '/'}: ${v.reason}\n`);
        res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`signature refused: ${v.reason}\n`);
        return;
      }
    }
    let parsed: unknown;
    try {
      parsed = parseJsonBytes(body);
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not JSON: ${(e as Error).message}\n`);
      return;
    }
    out(eventsOf(parsed).map((e) => `${JSON.stringify(e)}\n`).join(''));
    res.writeHead(204).end();
  };
  const server = new HttpServer({ host, port, onError: (e) => err(`meterkit webhook-listen: ${String(e)}\n`) }).routeTree('/', handler);
  await server.listen();
  err(`meterkit webhook-listen: listening on ${server.url()}${key === undefined ? ' (not verifying signatures)' : ''}\n`);
  await untilSignal();
  await server.close();
  return 0;
}
