/**
 * `meterkit/json`: the registry as Go's expvar document, served at `/debug/vars`, so expvarmon,
 * netdata's go_expvar collector and other Go tooling read it: `cmdline` (secret flags
 * redacted), `memstats` (Go's field names where Node.js has a true equivalent) and every metric
 * as a top-level key.
 */
export type { JsonSource, VarsOptions } from './expvar.js';
export { KEY_SEP, RESERVED_VARS, renderVars, renderVarsChunks, varName } from './expvar.js';
export type { JsonHandler, JsonHandlerOptions } from './handler.js';
export { createJsonHandler } from './handler.js';
export type { GoMemStats } from './memstats.js';
export { GcStats, readMemStats } from './memstats.js';
export { DEFAULT_SECRET_FLAGS, REDACTED, isSecretFlag, redactArgv, redactFlagValues } from './redact.js';
