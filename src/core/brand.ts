/*
 * Class brands shared by every copy of meterkit in one process.
 *
 * meterkit ships as ES modules and as CommonJS; Node loads the two as separate module
 * instances, so each copy has its own classes and a plain `instanceof` is false for an object
 * made by the other copy (an error thrown by `require('meterkit')`, the shared global
 * `register` of `meterkit/prom-client`). A branded class marks its prototype with a
 * `Symbol.for` key that both copies compute alike, and answers `instanceof` by that mark.
 */

/** The key of a brand: the same symbol in every copy (and every version keeping the name). */
function brandKey(name: string): symbol {
  return Symbol.for(`meterkit.${name}.v1`);
}

/**
 * Brands `cls` as `name`: `x instanceof cls` is then true for an instance of the class of that
 * brand from any copy of meterkit. A subclass keeps the ordinary `instanceof` (it is not branded
 * unless branded itself).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any class
export function brand(cls: Function, name: string): void {
  const key = brandKey(name);
  Object.defineProperty(cls.prototype, key, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, value);
      return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[key] === true;
    },
  });
}
