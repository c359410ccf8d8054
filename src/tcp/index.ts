/**
 * `meterkit/tcp`: the live metrics stream, wire-compatible with Rust's metrics-exporter-tcp.
 * The encoder's internals (tags, varints, pre-encoded parts) are not part of the API: the wire
 * format is proto/event.proto.
 */
export { TcpBuilder, DEFAULT_STREAM_ADDRESS, DEFAULT_BUFFER_SIZE, DEFAULT_BUFFER_BYTES, MIN_BUFFER_BYTES } from './builder.js';
export { TcpRecorder } from './recorder.js';
export type { TcpStats, TcpRecorderOptions } from './recorder.js';
