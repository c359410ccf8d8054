/*
 * Process-wide state shared by every copy of meterkit loaded in one process.
 *
 * meterkit ships as ES modules and as CommonJS (`import` and `require` conditions). Node loads
 * the two as separate module instances, so a module-level `let` would exist twice: an
 * application that `require`s `meterkit/prom-client` while a library `import`s `meterkit` would
 * record into two global registries (the dual-package hazard). State that must be one per
 * process lives on `globalThis` under a `Symbol.for` key instead: every copy (and every version
 * that keeps the same key and shape) finds the same object.
 */

/** The version of the shape stored under each key; bump it when a shape changes incompatibly. */
const SHAPE = 1;

/**
 * The one per-process value stored under `meterkit.<key>.v1`, created by `create` the first
 * time any copy of meterkit asks for it.
 */
export function sharedState<T extends object>(key: string, create: () => T): T {
  const symbol = Symbol.for(`meterkit.${key}.v${SHAPE}`);
  const g = globalThis as unknown as Record<symbol, T | undefined>;
  let value = g[symbol];
  if (value === undefined) {
    value = create();
    Object.defineProperty(globalThis, symbol, { value, enumerable: false, configurable: false, writable: false });
  }
  return value;
}
