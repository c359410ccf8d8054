/** `meterkit/proxy`: a TCP load balancer with per-backend traffic accounting (gobetween's proxy). */
export { Proxy } from './proxy.js';
export type { ProxyOptions } from './proxy.js';
export { ProxyServer, proxyV1Header } from './server.js';
export type { ReconfigureOptions, RejectReason } from './server.js';
export type { Backend } from './backend.js';
export { STRATEGIES, checkStrategy } from './strategy.js';
export type { StrategyName } from './strategy.js';
export { checkServerOptions, parseBackendSpec, parseHealthSpec } from './options.js';
export type { BackendOptions, ProxyServerOptions, ServerSettings } from './options.js';
export { PROBE_MAX_BYTES } from './health.js';
export type { HealthCheckOptions, HealthCheck } from './health.js';
export { PROXY_BACKEND_METRICS, PROXY_SERVER_METRICS, GOBETWEEN_BUILD_INFO } from './metrics.js';
export type { ProxyMetricsTarget, ProxyNaming } from './metrics.js';
export type { CloseReason } from './connection.js';
export { createProxyApi, serverJson, statsJson } from './rest.js';
