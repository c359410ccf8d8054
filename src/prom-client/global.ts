import { sharedState } from '../core/shared-state.js';
import type { MetricHost } from './metric.js';

/*
 * prom-client's global `register`, one per process: it lives in sharedState so the ES module
 * and the CommonJS copies of meterkit (and `meterkit/prom-client` loaded both ways) share it.
 * registry.ts fills the slot the first time it is loaded; metric.ts only reads it, which keeps
 * the import graph free of a cycle.
 */
const slot = sharedState<{ register: MetricHost | null }>('prom-client.register', () => ({ register: null }));

/** The global registry, created by `create` on first use in the process. */
export function installGlobalRegistry<R extends MetricHost>(create: () => R): R {
  slot.register ??= create();
  return slot.register as R;
}

/** The global registry (registry.ts installs it when loaded). */
export function globalRegistry(): MetricHost {
  if (slot.register === null) throw new Error('meterkit/prom-client: the global registry is not installed');
  return slot.register;
}
