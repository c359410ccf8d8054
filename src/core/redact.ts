/**
 * The one redaction rule for URLs shown in errors, logs, labels and command lines.
 *
 * Hidden: the user information (`user:password@` becomes `user:<mark>@`) and the value of
 * EVERY query parameter (`?api_key=s3cr3t&tenant=a` becomes `?api_key=<mark>&tenant=<mark>`).
 * All query values, not only those of secret-looking keys: services put credentials under any
 * name (`api_key`, `token`, `sig`, `X-Amz-Signature`, `code`…) and a name list would miss one;
 * the parameter names stay, which is enough to tell two URLs apart when reading an error.
 * The fragment is never sent, but is hidden the same way when it looks like `k=v`.
 */

/**
 * URL text as it may be shown, for text that may not even parse. The user information ends at
 * the LAST `@` of the authority (a password may hold `@`, as WHATWG URL parsing reads it); for
 * text that does not parse, at the last `@` before any `?` or `#` (hiding too much costs
 * nothing, showing part of a password does).
 */
export function redactUrl(text: string, mark = '(hidden)'): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^?#]*)(.*)$/s.exec(text);
  if (m === null) return text;
  const [, scheme = '', rest = '', tail = ''] = m;
  return `${scheme}${redactUserinfo(text, rest, mark)}${redactQuery(tail, mark)}`;
}

function redactUserinfo(text: string, rest: string, mark: string): string {
  let end = rest.length;
  if (URL.canParse(text)) {
    const u = new URL(text);
    if (u.username === '' && u.password === '') return rest;
    end = rest.search(/[/\\]/);
    if (end < 0) end = rest.length;
  }
  const at = rest.lastIndexOf('@', end);
  if (at < 0 || at >= end) return rest;
  const colon = rest.indexOf(':');
  const user = colon < 0 || colon > at ? '' : `${rest.slice(0, colon)}:`;
  return `${user}${mark}@${rest.slice(at + 1)}`;
}

/** `?a=1&b=2#c=3` → `?a=<mark>&b=<mark>#c=<mark>`; a parameter without `=` is shown whole (it is a flag, not a value). */
function redactQuery(tail: string, mark: string): string {
  return tail.replace(/=[^&#;]*/g, `=${mark}`);
}

/** The URL as it may be shown (see {@link redactUrl}). */
export function redactedHref(url: URL, mark = '(hidden)'): string {
  return redactUrl(url.href, mark);
}
