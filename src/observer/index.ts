/** `meterkit/observer`: decode the live stream, keep its state, show it in a terminal. */
export { StreamDecoder, DecodeError, decodeEvent, MAX_EVENT_BYTES } from './decode.js';
export { StreamClient, RETRY_MS, CONNECT_TIMEOUT_MS } from './client.js';
export { ObserverState, formatWithUnit } from './state.js';
export { ObserverUi, renderFrame, HEADER_LINES } from './ui.js';
export type { StreamEvent, MetadataEvent, MetricEvent, Operation } from './decode.js';
export type { StreamClientEvents, StreamClientOptions } from './client.js';
export type { Row } from './state.js';
export type { Frame } from './ui.js';
