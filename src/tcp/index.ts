/** `meterkit/tcp`: the live metrics stream, wire-compatible with Rust's metrics-exporter-tcp. */
export { TcpBuilder, DEFAULT_STREAM_ADDRESS, DEFAULT_BUFFER_SIZE, DEFAULT_BUFFER_BYTES, MIN_BUFFER_BYTES } from './builder.js';
export { TcpRecorder } from './recorder.js';
export {
  TAG,
  METRIC_TYPE,
  varintSize,
  writeVarint,
  encodeNamePart,
  encodeLabelsPart,
  encodeMetadataEvent,
  encodeTimestampField,
} from './encoding.js';
export type { TcpStats, TcpRecorderOptions } from './recorder.js';
