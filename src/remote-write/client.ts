/**
 * How the remote writer POSTs: through the one POST client (src/http/post-client.ts), which
 * settles on the status line, drains answers bounded and follows 307/308 as Prometheus's
 * client (Go's http.Client, `follow_redirects: true`) does: at most 10 hops, the same body,
 * and no `Authorization` past the first URL's origin. What an answer means is decided here
 * ({@link verdict}).
 */
import type { PostResult } from '../http/post-client.js';
import { PostClient } from '../http/post-client.js';
import type { ClientTls } from '../http/post-client.js';

export type { ClientTls };

/** Bytes of a refusal's body kept for the error message (receivers say there why they refused). */
export const ANSWER_TEXT_MAX = 1024;

/** Headers not sent once a redirect leaves the receiver's origin (Go's http.Client drops these). */
export const SENSITIVE_HEADERS: readonly string[] = ['authorization', 'www-authenticate', 'cookie', 'cookie2'];

/** What one attempt got. */
export type Answer = PostResult;

/** The writer's client of one receiver URL. */
export function writeClient(url: URL, timeout: number, tls: ClientTls = {}): PostClient {
  return new PostClient(url, { timeout, tls, textMax: ANSWER_TEXT_MAX });
}

/** What a shard does with an answer: Prometheus's rules (a 5xx or 429 is recoverable, other 4xx not). */
export function verdict(a: Answer): 'sent' | 'retry' | 'failed' {
  if (a.status === undefined) return a.permanent === true ? 'failed' : 'retry';
  if (a.status >= 200 && a.status < 300) return 'sent';
  if (a.status === 429 || a.status >= 500) return 'retry';
  return 'failed';
}
