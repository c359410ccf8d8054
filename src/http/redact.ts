/**
 * The one redaction rule for URLs lives in core (src/core/redact.ts), so that core's own checks
 * (NATS URLs) use it too; re-exported here, where the HTTP-facing features have always found it.
 */
export { redactUrl, redactedHref } from '../core/redact.js';
