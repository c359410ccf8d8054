/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, spec "Signature scheme"):
 * - headers `webhook-id` (the message id, the same on every retry), `webhook-timestamp`
 *   (integer seconds since the epoch, fresh on every attempt) and `webhook-signature`;
 * - the signed content is `${id}.${timestamp}.${body}`, the signature
 *   `v1,<base64 of HMAC-SHA256(key, content)>`; `webhook-signature` may hold several
 *   signatures separated by spaces (key rotation), any one matching is enough;
 * - a secret is written `whsec_<base64>`, and its base64-decoded bytes are the HMAC key.
 * Verification compares in constant time and refuses timestamps outside a tolerance window
 * (default 5 minutes either way, as the reference libraries do) against replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, MeterkitError } from '../core/errors.js';

/** The prefix of a Standard Webhooks secret. */
export const SECRET_PREFIX = 'whsec_';
/** Default tolerance of {@link verifyWebhook}, in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** Shortest key accepted, in bytes (the spec recommends 24 to 64). */
export const MIN_SECRET_BYTES = 16;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The HMAC key of a secret: the base64-decoded bytes after `whsec_` (the prefix may be left
 * out, as the reference libraries allow).
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` (the message never contains the secret).
 */
export function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid webhook secret (${secret.length} characters, value hidden): write it as whsec_ followed by base64`);
  }
  const key = Buffer.from(b64, 'base64');
  if (key.length < MIN_SECRET_BYTES) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid webhook secret (value hidden): its key is ${key.length} bytes, at least ${MIN_SECRET_BYTES} are needed (24 to 64 recommended)`);
  }
  return key;
}

/** The three Standard Webhooks headers of one attempt. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

function signature(key: Buffer, id: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/**
 * Signs one attempt: returns the headers to send with `body`. `timestampSeconds` defaults to
 * now; `secret` is a `whsec_…` string or a key already decoded with {@link secretKey}.
 */
export function signWebhook(secret: string | Buffer, id: string, body: string | Buffer, timestampSeconds = Math.floor(Date.now() / 1000)): WebhookHeaders {
  const key = typeof secret === 'string' ? secretKey(secret) : secret;
  const ts = String(timestampSeconds);
  return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${signature(key, id, ts, body)}` };
}

/** Options of {@link verifyWebhook}. */
export interface VerifyOptions {
  /** Largest distance between the timestamp and now, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** Now, in seconds since the epoch. Default the system clock. */
  nowSeconds?: number;
}

/** Why a webhook was refused, or `ok`. */
export type VerifyResult =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: 'missing-headers' | 'bad-timestamp' | 'too-old' | 'too-new' | 'no-signature-matches' };

function header(headers: Record<string, string | string[] | undefined> | Headers, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Verifies a received webhook (for receivers): the headers (a Node `IncomingHttpHeaders`
 * object with lower-case names, or a fetch `Headers`) and the raw body exactly as received.
 * Never throws for bad input from the network: the result says why it was refused.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` only when `secret` itself is malformed.
 */
export function verifyWebhook(
  secret: string | Buffer,
  headers: Record<string, string | string[] | undefined> | Headers,
  body: string | Buffer,
  options: VerifyOptions = {},
): VerifyResult {
  const key = typeof secret === 'string' ? secretKey(secret) : secret;
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sigs = header(headers, 'webhook-signature');
  if (id === undefined || ts === undefined || sigs === undefined) return { ok: false, reason: 'missing-headers' };
  if (!/^[0-9]{1,15}$/.test(ts)) return { ok: false, reason: 'bad-timestamp' };
  const timestamp = Number(ts);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (timestamp < now - tolerance) return { ok: false, reason: 'too-old' };
  if (timestamp > now + tolerance) return { ok: false, reason: 'too-new' };
  // the canonical base64 text is compared, as the reference libraries do: decoding the given
  // text first would accept many spellings of one signature (no pad, base64url, garbage after it)
  const expected = Buffer.from(signature(key, id, ts, body), 'latin1');
  for (const part of sigs.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(part.slice(comma + 1), 'latin1');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'no-signature-matches' };
}
