/**
 * Credentials: what a configured secret may be, and whether a request's `Authorization`
 * header carries it. Secrets never appear in an error message, only what is wrong with them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, MeterkitError } from '../core/errors.js';

/** Credentials a request must carry. */
export interface AuthOptions {
  /** `Authorization: Bearer <token>`: printable ASCII without spaces. */
  token?: string;
  /** `Authorization: Basic …` with this user (no `:`) and password. */
  basic?: { username: string; password: string };
}

// printable ASCII without space: what a header can carry as one token and a person can type
const TOKEN = /^[\x21-\x7e]+$/;
// RFC 7235: auth-scheme 1*SP credentials, with nothing after the credentials
const CREDENTIALS = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +([\x21-\x7e]+)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Checks configured credentials; the messages say what is wrong without showing the secret.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT`
 */
export function checkAuth(auth: AuthOptions): AuthOptions {
  if (auth.token === undefined && auth.basic === undefined) {
    throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid auth options: give a token or basic credentials');
  }
  if (auth.token !== undefined) {
    if (typeof auth.token !== 'string' || auth.token.length === 0) {
      throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid auth token "": a bearer token must not be empty');
    }
    if (!TOKEN.test(auth.token)) {
      throw new MeterkitError(
        ErrorCode.InvalidArgument,
        `invalid auth token (${auth.token.length} characters, not shown): a bearer token is printable ASCII without whitespace or control characters`,
      );
    }
  }
  if (auth.basic !== undefined) {
    const { username, password } = auth.basic;
    if (typeof username !== 'string' || username.length === 0 || username.includes(':') || typeof password !== 'string') {
      throw new MeterkitError(ErrorCode.InvalidArgument, 'invalid basic auth credentials (not shown): the user name must be a non-empty string without ":", the password a string');
    }
  }
  return auth;
}

/**
 * Compares fixed-length digests, so neither the comparison's time nor an early length check
 * tells an attacker how long the secret is.
 */
function same(given: string | Buffer, secret: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

/**
 * True when `header` carries the credentials `auth` asks for: `Bearer <token>` or
 * `Basic <base64(user:password)>`, scheme case-insensitive, nothing before or after.
 */
export function authorized(header: string | undefined, auth: AuthOptions): boolean {
  if (header === undefined) return false;
  const m = CREDENTIALS.exec(header);
  if (m === null) return false;
  const scheme = (m[1] as string).toLowerCase();
  const value = m[2] as string;
  if (scheme === 'bearer' && auth.token !== undefined) return same(value, auth.token);
  if (scheme === 'basic' && auth.basic !== undefined) {
    // Buffer.from(…, 'base64') skips junk silently: accept only canonical base64
    if (!BASE64.test(value) || value.length % 4 !== 0) return false;
    const raw = Buffer.from(value, 'base64');
    if (raw.toString('base64') !== value) return false;
    const decoded = raw.toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return false;
    // evaluate both, so the time taken tells nothing about which part was wrong
    const u = same(decoded.slice(0, i), auth.basic.username);
    const p = same(decoded.slice(i + 1), auth.basic.password);
    return u && p;
  }
  return false;
}

/**
 * The `Authorization` header a client sends to a server configured with `auth`: the bearer
 * token when there is one, else basic credentials. The inverse of {@link authorized}.
 */
export function authorizationHeader(auth: AuthOptions): string {
  checkAuth(auth);
  if (auth.token !== undefined) return `Bearer ${auth.token}`;
  const b = auth.basic as { username: string; password: string };
  return `Basic ${Buffer.from(`${b.username}:${b.password}`, 'utf8').toString('base64')}`;
}
