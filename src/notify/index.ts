/**
 * `meterkit/notify`: webhook notifications that lose nothing (Docker distribution's
 * notification system, made durable). Events written to a {@link Broadcaster} are stored in a
 * queue (SQLite by default) and delivered to each endpoint by its own sender: batches, retries
 * with capped exponential backoff and jitter, a dead-letter store after `maxAttempts`, Standard
 * Webhooks signatures, distribution's EndpointMetrics and `meterkit_notifications_*` metrics.
 */
export { Broadcaster, openBroadcaster } from './broadcaster.js';
export type { BroadcasterOptions, OpenBroadcasterOptions, NotificationsVars } from './broadcaster.js';
export { Endpoint, batchId } from './endpoint.js';
export type { EndpointContext, EndpointVars } from './endpoint.js';
export { resolveEndpointConfig, publicConfig, publicUrl, redactUrl, DEFAULT_MAX_BATCH_BYTES } from './endpoint-config.js';
export type { EndpointConfig, ResolvedEndpointConfig, EventFormat } from './endpoint-config.js';
export {
  EVENTS_MEDIA_TYPE,
  CLOUDEVENTS_BATCH_MEDIA_TYPE,
  CLOUDEVENTS_TYPE_PREFIX,
  EVENT_FIELD_MAX,
  EVENT_MAX_BYTES,
  normalizeEvent,
  eventsFromBody,
  eventJson,
  isRfc3339,
  envelopeBody,
  cloudEventsBody,
  toCloudEvent,
} from './event.js';
export type { EventInput, NotifyEvent, EventTarget, EventSource, CloudEvent } from './event.js';
export type { NotifyQueue, QueuedEvent, EndpointEvents, DeadLetter, DeadLetterQuery, DeadLetterReason } from './queue.js';
export { fitting } from './queue.js';
export { QueueState, DEFAULT_MAX_PENDING } from './queue-state.js';
export { MemoryQueue } from './memory-queue.js';
export type { MemoryQueueOptions } from './memory-queue.js';
export { SqliteQueue, SQLITE_QUEUE_FILE } from './sqlite-queue.js';
export type { SqliteQueueOptions } from './sqlite-queue.js';
export { JetStreamQueue } from './jetstream-queue.js';
export { consumerName, subjectToken, endpointOfToken } from './jetstream-layout.js';
export type { JetStreamQueueOptions } from './jetstream-layout.js';
export { signWebhook, verifyWebhook, secretKey, SECRET_PREFIX, DEFAULT_TOLERANCE_SECONDS, MIN_SECRET_BYTES } from './signing.js';
export type { WebhookHeaders, VerifyOptions, VerifyResult } from './signing.js';
export { classify, backoffDelay, parseRetryAfter, retryWait } from './retry.js';
export type { Verdict, BackoffPolicy } from './retry.js';
export { systemClock, sleep } from './clock.js';
export type { Clock } from './clock.js';
export { NOTIFY_METRICS, RETRY_BUCKETS, LATENCY_BUCKETS, describeNotifyMetrics, statusText, EndpointStats } from './metrics.js';
export type { EndpointMetrics, NotifyMetricsTarget } from './metrics.js';
export { HttpSink, RESPONSE_DRAIN_MAX, IDLE_MS } from './http-sink.js';
export type { SendResult } from './http-sink.js';
