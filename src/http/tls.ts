/**
 * TLS material checked once, before anything listens: a bad pair is a coded error naming
 * where it came from, never an OpenSSL stack trace.
 */
import type { SecureContext } from 'node:tls';
import { createSecureContext } from 'node:tls';
import { ErrorCode, MeterkitError } from '../core/errors.js';

/** PEM certificate and key. */
export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
  /** Where they came from, for messages (e.g. `certificate cert.pem, key key.pem`). */
  source?: string;
}

/**
 * Checks that `tls` makes a usable secure context (https.createServer takes the PEM, not a
 * context, so this parse is a check and the server parses again).
 * @throws MeterkitError `ERR_METERKIT_INVALID_TLS` naming the source and OpenSSL's reason
 *   (garbage, an empty file, a key that does not match the certificate).
 */
export function checkTls(tls: TlsMaterial): SecureContext {
  try {
    return createSecureContext({ cert: tls.cert, key: tls.key });
  } catch (err) {
    const e = err as { reason?: string; message?: string };
    const why = e.reason ?? e.message ?? String(err);
    throw new MeterkitError(ErrorCode.InvalidTls, `invalid TLS material (${tls.source ?? 'the certificate and key given'}): ${why}; give a PEM certificate and its matching PEM private key`, { cause: err });
  }
}
