/** `meterkit/dashboard`: the agent's web page and the JSON/SSE API it reads. */
export { DASHBOARD_API_BASE, createDashboardApi } from './api.js';
export type { DashboardApi, DashboardApiOptions, DashboardStatus, FeatureStatus } from './api.js';
export { DASHBOARD_ASSETS_BASE, createAssetsHandler, dashboardAssets, dashboardGzipBytes } from './assets.js';
export { CLIENTS_METRIC, EventHub, REJECTED_CLIENTS_METRIC, SKIPPED_UPDATES_METRIC } from './events.js';
export { History, POINT_QUANTILES, SKIPPED_SAMPLES_METRIC, familyOf, seriesId, valuesOf } from './history.js';
export type { FamilySource, HistoryOptions, Point, PointValue } from './history.js';
