/**
 * The one rule for NATS server URLs (the monitor's transport and the JetStream notification
 * queue both take them): comma-separated `nats://host:port`, port default 4222, no
 * credentials, path, query or fragment. Pure, so any feature folder may import it.
 */
import { ErrorCode, MeterkitError, describeValue } from './errors.js';
import { redactUrl } from './redact.js';

const DEFAULT_PORT = 4222;

/**
 * Parses `--monitor-nats` / `--report-to` style server lists: comma-separated `nats://host:port`
 * (port default 4222), no credentials, path, query or fragment. Returns the URLs normalized.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad URL (credentials masked).
 */
export function parseNatsServers(text: string): string[] {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid NATS servers ${describeValue(text)}: give one or more nats://host:port URLs, comma-separated`);
  }
  return text.split(',').map((part) => parseNatsUrl(part.trim()));
}

function parseNatsUrl(text: string): string {
  const rule = 'use nats://host:port, e.g. nats://127.0.0.1:4222 (port 1–65535, default 4222; no credentials, path or query)';
  // never echo a password or a query value into a message or a log: the one redaction rule,
  // for text that parses and text that does not
  const shown = redactUrl(text, '***');
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    // the cause keeps only the parser's message: its `input` property would hold the raw text
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid NATS URL ${describeValue(shown)}: ${err instanceof Error ? err.message : String(err)}; ${rule}`);
  }
  if (url.protocol !== 'nats:' || url.hostname === '' || url.port === '0' || url.username !== '' || url.password !== '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid NATS URL ${describeValue(shown)}: ${rule}`);
  }
  return `nats://${url.host}${url.port === '' ? `:${DEFAULT_PORT}` : ''}`;
}

