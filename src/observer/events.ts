/** The events the live stream carries, as the decoder returns them (proto/event.proto). */

/** Metric operations, by their field names in event.proto. */
export type Operation = 'increment_counter' | 'set_counter' | 'increment_gauge' | 'decrement_gauge' | 'set_gauge' | 'record_histogram';

/** A decoded Metadata event. */
export interface MetadataEvent {
  type: 'metadata';
  name: string;
  metricType: 'counter' | 'gauge' | 'histogram';
  unit?: string;
  description?: string;
}

/** A decoded Metric event. */
export interface MetricEvent {
  type: 'metric';
  name: string;
  /** Epoch milliseconds (with the sub-ms part of the nanos), or null when absent. */
  timestamp: number | null;
  /** The labels; one frozen object shared by the events of a series (do not modify). */
  labels: Readonly<Record<string, string>>;
  op: Operation | null;
  value: number;
}

/** One decoded Event (an Event with no member set decodes to `null`). */
export type StreamEvent = MetadataEvent | MetricEvent;
