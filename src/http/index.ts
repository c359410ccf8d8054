/** `meterkit/http`: the HTTP server the agent mounts its handlers on. */
export { HttpServer, REJECTED_REQUESTS_METRIC, RETRY_AFTER_SECONDS, leaveConcurrencyCap } from './server.js';
export type { Handler, HttpServerOptions, RejectReason } from './server.js';
export { authorizationHeader, authorized, checkAuth } from './auth.js';
export type { AuthOptions } from './auth.js';
export { checkTls } from './tls.js';
export type { TlsMaterial } from './tls.js';
export { acceptsGzip } from './negotiate.js';
export { allowMethods, createHealthHandler } from './health.js';
export { crossSiteRefusal } from './cross-site.js';
