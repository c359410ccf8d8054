/**
 * Content-coding negotiation (RFC 9110 §12.5.3), for handlers that compress.
 */

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The `q=` weight among the parameters of one element of an `Accept` or `Accept-Encoding`
 * list: 1 when absent; 0 ("not acceptable") when it is not an RFC 9110 qvalue. The one
 * q-value rule of meterkit (content types and codings alike).
 */
export function qValue(params: readonly string[]): number {
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'q') continue;
    const q = p.slice(eq + 1).trim();
    return QVALUE.test(q) ? Number(q) : 0;
  }
  return 1;
}

/**
 * True when an `Accept-Encoding` header accepts gzip. An explicit `gzip` (or `x-gzip`)
 * entry decides, whatever `*` says: `gzip;q=0, *` refuses gzip. Without one, `*` decides.
 * No header: false (send identity).
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let explicit: number | undefined;
  let wildcard: number | undefined;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.split(';');
    const c = coding.trim().toLowerCase();
    if (c === 'gzip' || c === 'x-gzip') explicit = Math.max(explicit ?? 0, qValue(params));
    else if (c === '*') wildcard = Math.max(wildcard ?? 0, qValue(params));
  }
  return (explicit ?? wildcard ?? 0) > 0;
}
