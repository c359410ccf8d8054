/** `meterkit/docker`: container metrics from the Docker Engine API (Docker or Podman). */
export { DockerCollector, collectDockerMetrics } from './collector.js';
export { DURATION_BUCKETS } from './help.js';
export { DockerClient, DockerError, resolveDockerUrl, MAX_API_VERSION, MIN_API_VERSION, DEFAULT_RESPONSE_LIMITS } from './client.js';
export { ContainerTracker } from './tracker.js';
export { containerId, containerFacts, displayName, runningState, healthState, startTimeSeconds, resourceFigures, CONTAINER_STATES } from './figures.js';
export { cgroupPath, blockDeviceName, fallbackCgroup, HOST_PATHS } from './host.js';
export type { DockerCollectorOptions, CollectorHost } from './collector.js';
export type { DockerEndpoint, EngineVersion, ResponseLimits } from './client.js';
export type { DockerMetricsTarget, DockerNaming, ProbeMetrics, TrackerContext, TrackerOutcome } from './tracker.js';
export type { ListedContainer, InspectedContainer, ContainerStats, ContainerFacts, CpuSample, NetworkFigures, NetworkStats, ResourceFigures } from './figures.js';
export type { HostPaths } from './host.js';
export { followDockerEvents, parseContainerEvent, CONTAINER_ACTIONS } from './events.js';
export type { ContainerEvent, ContainerAction, DockerEventsOptions, DockerEventsFollower } from './events.js';
