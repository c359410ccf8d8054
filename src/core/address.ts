import { ErrorCode, MeterkitError, describeValue } from './errors.js';

/** Splits `host:port` (`[::1]:9464` for IPv6). */
export function parseHostPort(s: string, what = 'address'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new MeterkitError(
      ErrorCode.InvalidArgument,
      `invalid ${what} ${describeValue(s)}: use host:port, e.g. 127.0.0.1:9464 or [::1]:9464 (port 0–65535)`,
    );
  }
  return { host: m[1] ?? (m[2] === '' ? '127.0.0.1' : (m[2] as string)), port };
}
