/** `meterkit/http`: the HTTP server the agent mounts its handlers on. */
export { HttpServer, parseHostPort, authorized } from './server.js';
export type { Handler, HttpServerOptions, AuthOptions } from './server.js';
