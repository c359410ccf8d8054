import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler } from './server.js';

/**
 * Answers 405 (with `Allow`) unless the request's method is one of `methods`; true when it
 * is. The one place a handler states which methods it takes.
 */
export function allowMethods(req: IncomingMessage, res: ServerResponse, methods: readonly string[] = ['GET', 'HEAD']): boolean {
  if (methods.includes(req.method ?? '')) return true;
  res
    .writeHead(405, { Allow: methods.join(', '), 'Content-Type': 'text/plain; charset=utf-8' })
    .end(`method ${req.method ?? ''} not allowed: use ${methods.join(' or ')}\n`);
  return false;
}

/** A liveness probe for `/healthz`: `ok` to GET and HEAD (headers only), 405 otherwise. */
export function createHealthHandler(): Handler {
  return (req, res) => {
    if (!allowMethods(req, res)) return;
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('ok\n');
  };
}
