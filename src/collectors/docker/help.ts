/**
 * The Docker collector's metric names, types, units and help texts: docker_exporter's
 * (prometheus-net/docker_exporter) and cAdvisor's (google/cadvisor metrics/prometheus.go).
 */
import { exponentialBuckets } from '../../core/buckets.js';
import { Unit } from '../../core/units.js';

/** docker_exporter's buckets for probe durations: 0.5 s × 1.5^k, 14 buckets. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze(exponentialBuckets(0.5, 1.5, 14));

/** docker_exporter's metrics (and meterkit's additions), as [name, kind, unit, help]. */
export const HELP: Array<[string, 'gauge' | 'counter' | 'histogram', Unit | undefined, string]> = [
  ['docker_containers', 'gauge', undefined, 'Number of containers that exist.'],
  ['docker_probe_list_containers_failed_total', 'counter', undefined, 'How many times the attempt to list all containers has failed.'],
  ['docker_probe_duration_seconds', 'histogram', Unit.Seconds, 'How long it takes to query Docker for the complete data set. Includes failed requests.'],
  ['docker_probe_list_containers_duration_seconds', 'histogram', Unit.Seconds, 'How long it takes to query Docker for the list of containers. Includes failed requests.'],
  ['docker_probe_successfully_completed_time', 'gauge', undefined, 'When the last Docker probe was successfully completed.'],
  ['docker_probe_container_failed_total', 'counter', undefined, 'Number of times the exporter failed to collect information about a specific container.'],
  ['docker_probe_container_failed_overflow_total', 'counter', undefined, 'Container failures not counted under their own name because maxFailedSeries names had a series already.'],
  ['docker_probe_inspect_duration_seconds', 'histogram', Unit.Seconds, 'How long it takes to query Docker for the basic information about a single container. Includes failed requests.'],
  ['docker_probe_stats_duration_seconds', 'histogram', Unit.Seconds, 'How long it takes to query Docker for the resource usage of a single container. Includes failed requests.'],
  ['docker_probe_inline_timeouts_total', 'counter', undefined, 'Total number of times we have forced the scrape to happen in the background and returned outdated data because performing an update inline took too long.'],
  ['docker_container_restart_count', 'gauge', undefined, 'Number of times the runtime has restarted this container without explicit user action, since the container was last started.'],
  ['docker_container_running_state', 'gauge', undefined, 'Whether the container is running (1), restarting (0.5) or stopped (0).'],
  ['docker_container_state', 'gauge', undefined, 'The container\'s state (State.Status): 1 for the current one, 0 for the others.'],
  ['docker_container_start_time_seconds', 'gauge', Unit.Seconds, 'Timestamp indicating when the container was started. Does not get reset by automatic restarts.'],
  ['docker_container_cpu_used_total', 'gauge', undefined, 'Accumulated CPU usage of a container, in unspecified units, averaged for all logical CPUs usable by the container.'],
  ['docker_container_cpu_capacity_total', 'gauge', undefined, 'All potential CPU usage available to a container, in unspecified units, averaged for all logical CPUs usable by the container. Start point of measurement is undefined - only relative values should be used in analytics.'],
  ['docker_container_memory_used_bytes', 'gauge', Unit.Bytes, 'Memory usage of a container.'],
  ['docker_container_network_in_bytes', 'gauge', Unit.Bytes, "Total bytes received by the container's network interfaces."],
  ['docker_container_network_out_bytes', 'gauge', Unit.Bytes, "Total bytes sent by the container's network interfaces."],
  ['docker_container_disk_read_bytes', 'gauge', Unit.Bytes, 'Total bytes read from disk by a container.'],
  ['docker_container_disk_write_bytes', 'gauge', Unit.Bytes, 'Total bytes written to disk by a container.'],
  ['docker_container_health_state', 'gauge', undefined, 'Health of the container: healthy (1), starting (0.5), unhealthy (0), no healthcheck (-1).'],
  ['docker_container_cpu_limit_cores', 'gauge', undefined, 'CPU limit of the container in cores (NanoCpus), when one is set.'],
  ['docker_container_memory_limit_bytes', 'gauge', Unit.Bytes, 'Memory limit of the container, when one is set.'],
  ['docker_container_cpu_usage_cores', 'gauge', undefined, 'CPU used by the container between the last two samples, in cores (0 to the number of CPUs).'],
];

/** cAdvisor's container metrics, as [name, kind, unit, help]. */
export const CADVISOR_HELP: Array<[string, 'gauge' | 'counter', Unit | undefined, string]> = [
  ['container_cpu_usage_seconds_total', 'counter', Unit.Seconds, 'Cumulative cpu time consumed in seconds.'],
  ['container_cpu_user_seconds_total', 'counter', Unit.Seconds, 'Cumulative user cpu time consumed in seconds.'],
  ['container_cpu_system_seconds_total', 'counter', Unit.Seconds, 'Cumulative system cpu time consumed in seconds.'],
  ['container_memory_usage_bytes', 'gauge', Unit.Bytes, 'Current memory usage in bytes, including all memory regardless of when it was accessed.'],
  ['container_memory_working_set_bytes', 'gauge', Unit.Bytes, 'Current working set in bytes.'],
  ['container_memory_rss', 'gauge', Unit.Bytes, 'Size of RSS in bytes.'],
  ['container_memory_cache', 'gauge', Unit.Bytes, 'Number of bytes of page cache memory.'],
  ['container_memory_max_usage_bytes', 'gauge', Unit.Bytes, 'Maximum memory usage recorded in bytes.'],
  // cAdvisor's counter without `_total`: a meterkit counter is always exposed with `_total`,
  // so it is a gauge here to keep the name dashboards query (rate() works the same)
  ['container_memory_failcnt', 'gauge', undefined, 'Number of memory usage hits limits.'],
  ['container_network_receive_bytes_total', 'counter', Unit.Bytes, 'Cumulative count of bytes received.'],
  ['container_network_transmit_bytes_total', 'counter', Unit.Bytes, 'Cumulative count of bytes transmitted.'],
  ['container_network_receive_packets_total', 'counter', undefined, 'Cumulative count of packets received.'],
  ['container_network_transmit_packets_total', 'counter', undefined, 'Cumulative count of packets transmitted.'],
  ['container_network_receive_errors_total', 'counter', undefined, 'Cumulative count of errors encountered while receiving.'],
  ['container_network_transmit_errors_total', 'counter', undefined, 'Cumulative count of errors encountered while transmitting.'],
  ['container_network_receive_packets_dropped_total', 'counter', undefined, 'Cumulative count of packets dropped while receiving.'],
  ['container_network_transmit_packets_dropped_total', 'counter', undefined, 'Cumulative count of packets dropped while transmitting.'],
  ['container_fs_reads_bytes_total', 'counter', Unit.Bytes, 'Cumulative count of bytes read.'],
  ['container_fs_writes_bytes_total', 'counter', Unit.Bytes, 'Cumulative count of bytes written.'],
  ['container_last_seen', 'gauge', undefined, 'Last time a container was seen by the exporter.'],
  ['container_start_time_seconds', 'gauge', Unit.Seconds, 'Start time of the container since unix epoch in seconds.'],
  ['container_spec_memory_limit_bytes', 'gauge', Unit.Bytes, 'Memory limit for the container.'],
  ['container_spec_cpu_quota', 'gauge', undefined, 'CPU quota of the container.'],
  ['container_spec_cpu_period', 'gauge', undefined, 'CPU period of the container.'],
  ['container_spec_cpu_shares', 'gauge', undefined, 'CPU share of the container.'],
  ['container_scrape_error', 'gauge', undefined, '1 if there was an error while getting container metrics, 0 otherwise.'],
  ['cadvisor_version_info', 'gauge', undefined, "A metric with a constant '1' value labeled by kernel version, OS version, docker version, cadvisor version & cadvisor revision."],
];
