/**
 * The one guard against cross-site requests that change state. The dashboard makes the agent a
 * page in the user's browser, so any other site the browser visits can make it send a "simple"
 * request (a form POST: no CORS preflight) to the agent — with cached basic-auth credentials,
 * or with none on an agent without auth. Programs (curl, Prometheus, peers, webhook senders)
 * send no `Origin`, so refusing what a browser marks as coming from elsewhere costs them nothing.
 */
import type { IncomingMessage } from 'node:http';

/** Methods that read only: never refused (RFC 9110 "safe" methods). */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * Why `req` must be refused as a cross-site request that changes state, or null to serve it.
 * Refused: a method other than GET, HEAD, OPTIONS or TRACE whose `Sec-Fetch-Site` is
 * `cross-site`, or whose `Origin` is present and names another host than the request's `Host`
 * (`Origin: null`, sent by sandboxed pages, included). The scheme is not compared: behind a
 * proxy that ends TLS the page is `https://` while the agent hears plain HTTP, and no other
 * site can serve a page from the agent's own host and port.
 */
export function crossSiteRefusal(req: IncomingMessage): string | null {
  if (SAFE.has(req.method ?? 'GET')) return null;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site') return `${req.method ?? ''} from a page of another site refused (Sec-Fetch-Site: cross-site): state-changing requests must come from the agent's own pages or from a program`;
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  const host = req.headers.host ?? '';
  if (sameHost(origin, host)) return null;
  return `${req.method ?? ''} from a page of another origin refused (Origin ${JSON.stringify(origin.slice(0, 200))} is not this agent, ${JSON.stringify(host.slice(0, 200))}): state-changing requests must come from the agent's own pages or from a program`;
}

/** Whether `origin` (`scheme://host[:port]`) names `host` (a Host header), default ports as the scheme's. */
function sameHost(origin: string, host: string): boolean {
  if (!URL.canParse(origin) || host === '') return false;
  const o = new URL(origin);
  const own = `${o.protocol}//${host}`;
  return URL.canParse(own) && new URL(own).host === o.host && o.host !== '';
}
