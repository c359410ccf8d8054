/**
 * The HTTP sink: one POST of one batch, over a keep-alive connection per endpoint, through
 * the one POST client (src/http/post-client.ts: it settles on the status line, drains the
 * answer bounded, and follows 307/308 as Go's http.Client, distribution's, does for a POST).
 * It only reports what happened (a status, or an error); the endpoint's sender decides what
 * follows (retry.ts). A 301, 302 or 303 is not followed: the sender treats it as a failure.
 *
 * Once a redirect leaves the endpoint's origin, the endpoint's own headers (`Authorization`,
 * custom ones) are no longer sent; the signature headers are (they sign the body, not a host).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { PostResult } from '../http/post-client.js';
import { DRAIN_MAX, IDLE_MS, MAX_REDIRECTS, PostClient } from '../http/post-client.js';

/** Most answer bytes read before the connection is dropped instead of drained. */
export const RESPONSE_DRAIN_MAX = DRAIN_MAX;

export { IDLE_MS, MAX_REDIRECTS };

/** What one attempt got. */
export type SendResult = PostResult;

/** POSTs batches to one URL. */
export class HttpSink {
  private readonly client: PostClient;

  /** `ca`: PEM CA certificates for https: URLs (default: Node's list). */
  constructor(url: URL, timeout: number, ca?: string) {
    // one connection per endpoint: its batches go one at a time
    this.client = new PostClient(url, { timeout, maxSockets: 1, ...(ca === undefined ? {} : { tls: { ca } }) });
  }

  /**
   * Sends `body` with `headers`, following 307/308; never rejects. `own`: the names of the
   * endpoint's configured headers, not sent past its origin.
   */
  send(body: string, headers: OutgoingHttpHeaders, own: readonly string[] = []): Promise<SendResult> {
    return this.client.send(body, headers, { sensitive: own });
  }

  /** Closes idle connections. */
  close(): void {
    this.client.close();
  }
}
