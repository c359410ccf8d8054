/** `meterkit/docker`: container metrics from the Docker Engine API (Docker or Podman). */
export { DockerCollector, collectDockerMetrics, DURATION_BUCKETS } from './collector.js';
export { DockerClient, DockerError, resolveDockerUrl, MAX_API_VERSION, MIN_API_VERSION } from './client.js';
export { ContainerTracker } from './tracker.js';
export { displayName, runningState, healthState, startTimeSeconds, resourceFigures } from './figures.js';
export type { DockerCollectorOptions } from './collector.js';
export type { DockerEndpoint } from './client.js';
export type { DockerMetricsTarget, DockerNaming } from './tracker.js';
export type { ListedContainer, InspectedContainer, ContainerStats, CpuSample, ResourceFigures } from './figures.js';
