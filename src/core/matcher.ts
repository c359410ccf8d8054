import { ErrorCode, MeterkitError, describeValue } from './errors.js';

/**
 * Selects metric names: an exact name, a glob where `*` stands for any run of characters
 * (`http_*`), a RegExp, or a predicate.
 */
export type NameMatcher = string | RegExp | ((name: string) => boolean);

/** Compiles a matcher to a predicate. */
export function compileMatcher(m: NameMatcher): (name: string) => boolean {
  if (typeof m === 'function') return m;
  if (m instanceof RegExp) {
    // a copy without g/y: those flags make test() resume from lastIndex, so the same name
    // would match and then not match on alternate calls
    const re = m.global || m.sticky ? new RegExp(m.source, m.flags.replace(/[gy]/g, '')) : m;
    return (name) => re.test(name);
  }
  if (typeof m === 'string') {
    if (!m.includes('*')) return (name) => name === m;
    const re = new RegExp(`^${m.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return (name) => re.test(name);
  }
  throw new MeterkitError(
    ErrorCode.InvalidArgument,
    `invalid name matcher ${describeValue(m)}: use a name, a glob with *, a RegExp or a function`,
  );
}

/** Compiles several matchers into one predicate that is true when any matches. */
export function compileMatchers(ms: NameMatcher | readonly NameMatcher[]): (name: string) => boolean {
  const list = (Array.isArray(ms) ? ms : [ms]).map(compileMatcher);
  return (name) => list.some((p) => p(name));
}
