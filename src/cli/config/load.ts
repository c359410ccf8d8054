/**
 * Reads and checks a config file. Every problem names the file, the line and column, the key
 * path, the bad value (never a secret's) and the rule: `meterkit.yaml:12:7: proxy.servers[0].bind: …`.
 * YAML syntax errors and duplicate keys come from the parser (`yaml`), the rest from the schema.
 */
import { readFileSync } from 'node:fs';
import type { Node } from 'yaml';
import { LineCounter, isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Alias, Document } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, MeterkitError, describeValue } from '../../core/errors.js';
import type { FileConfig } from './schema.js';
import { configSchema } from './schema.js';
import { isSecretPath } from './reference.js';

/** One problem in a config file. */
export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** The key path, `proxy.servers[0].bind`; empty for the whole file. */
  path: string;
  message: string;
}

/** `file:line:col: path: message`, the one line a problem is printed as. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path === '' ? '(file)' : p.path}: ${p.message}`;
}

/** A config file that does not pass the check: every problem in `problems`, the first few in the message. */
export class ConfigError extends MeterkitError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    const shown = problems.slice(0, 5).map(formatProblem);
    if (problems.length > 5) shown.push(`… and ${problems.length - 5} more (meterkit config check)`);
    super(ErrorCode.InvalidConfig, shown.join('\n'));
  }
}

function pathText(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out;
}

/** The node at `path`, or the nearest ancestor that exists; for `keyOf`, the key node of the last segment. */
function locate(doc: Document, path: ReadonlyArray<PropertyKey>, keyOf = false): Node | null {
  let node: unknown = doc.contents;
  let found: Node | null = isNode(node) ? node : null;
  for (let i = 0; i < path.length; i++) {
    const k = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === k);
      if (pair === undefined) break;
      if (keyOf && i === path.length - 1 && isNode(pair.key)) return pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof k === 'number') node = node.items[k];
    else break;
    if (isNode(node)) found = node;
  }
  return found;
}

/** The value at `path` as a message may quote it; a list or mapping described (`a list of 2`) unless `scalarOnly`. */
function valueAt(doc: Document, path: ReadonlyArray<PropertyKey>, scalarOnly = false): string | null {
  if (isSecretPath(path)) return null;
  const n = locate(doc, path);
  // the node must be the one at the full path, not an ancestor
  if (n === null || doc.getIn(path as unknown[], true) !== n) return null;
  if (isScalar(n)) return describeValue(n.value);
  if (scalarOnly) return null;
  if (isSeq(n)) return `a list of ${n.items.length}`;
  if (isMap(n)) return `a mapping of ${n.items.length} key${n.items.length === 1 ? '' : 's'}`;
  return isAlias(n) ? `an alias *${n.source}` : null;
}

function issueProblems(file: string, doc: Document, lc: LineCounter, issue: z.core.$ZodIssue): ConfigProblem[] {
  const at = (path: ReadonlyArray<PropertyKey>, keyOf = false): { line: number; col: number } => {
    const n = locate(doc, path, keyOf);
    return n?.range ? lc.linePos(n.range[0]) : { line: 1, col: 1 };
  };
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // the branches that fit the value's type say what is wrong with it; a branch of another type says nothing
    const fitting = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
    if (fitting.length > 0) return fitting.flat().flatMap((i) => issueProblems(file, doc, lc, { ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ file, ...at([...issue.path, k], true), path: pathText([...issue.path, k]), message: `unknown key ${describeValue(k)}: see "meterkit config example" for the keys` }));
  }
  let message = issue.message;
  if (issue.code === 'invalid_type') {
    const v = valueAt(doc, issue.path);
    const given: unknown = doc.getIn(issue.path as unknown[]);
    const hidden = given === undefined ? ', but it is missing' : isSecretPath(issue.path) ? `, got ${typeof given} (not shown: a secret)` : '';
    message = `expected ${issue.expected}${v === null ? hidden : `, got ${v}`}`;
  } else if (issue.code === 'invalid_value' || issue.code === 'too_small' || issue.code === 'invalid_format' || issue.code === 'invalid_union' || (issue.code === 'custom' && !/"|\d/.test(message))) {
    // a union's value may be a list or mapping of the wrong kind; a rule on a mapping quotes its own parts
    const v = valueAt(doc, issue.path, issue.code !== 'invalid_union');
    if (v !== null) message = `${message} (got ${v})`;
  }
  return [{ file, ...at(issue.path), path: pathText(issue.path), message: isSecretPath(issue.path) ? scrub(message, plain(doc.getIn(issue.path as unknown[]))) : message }];
}

/** A YAML node's plain value (a scalar's value is already plain). */
function plain(v: unknown): unknown {
  return isNode(v) ? (v.toJSON() as unknown) : v;
}

/** A message about a secret subtree with any of its text values cut out (a rule that quotes what it got). */
function scrub(message: string, value: unknown): string {
  let out = message;
  const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : v !== null && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);
  for (const s of strings(value)) if (s.length > 0) out = out.split(s).join('[REDACTED]');
  return out;
}

/** The key path of the last of `chain` (a document's nodes from the root down, as `visit` gives them). */
function keyPath(chain: readonly unknown[]): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (let i = 0; i + 1 < chain.length; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent) && child === parent.value && isScalar(parent.key)) out.push(String(parent.key.value));
    else if (isSeq(parent)) out.push(parent.items.indexOf(child));
  }
  return out;
}

/** Aliases may expand a document to at most this many nodes (yaml's guard against an alias bomb). */
export const MAX_ALIAS_COUNT = 100;

/**
 * The document as plain data, or a problem at each alias that does not resolve (no anchor before
 * it) or at the alias that expands the document too far (an alias bomb): yaml throws on both.
 */
function aliasProblems(file: string, doc: Document, lc: LineCounter): { ok: true; raw: unknown } | { ok: false; problems: ConfigProblem[] } {
  try {
    return { ok: true, raw: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    // only now look for the culprit: resolving every alias visits the document once per alias
    const aliases: Alias[] = [];
    const paths = new Map<Alias, string>();
    visit(doc, {
      Alias: (_k, n, chain) => {
        aliases.push(n);
        paths.set(n, pathText(keyPath([...chain, n])));
      },
    });
    const at = (n: Alias | undefined): { line: number; col: number } => (n?.range ? lc.linePos(n.range[0]) : { line: 1, col: 1 });
    const unresolved = aliases.filter((a) => a.resolve(doc) === undefined);
    if (unresolved.length > 0) return { ok: false, problems: unresolved.map((a) => ({ file, ...at(a), path: paths.get(a) ?? '', message: `YAML: alias *${a.source} has no anchor &${a.source} before it` })) };
    // an alias bomb: shown at the first alias of an anchor that itself holds aliases (the amplifier)
    const holdsAlias = (a: Alias): boolean => {
      const target = a.resolve(doc);
      let found = false;
      if (isCollection(target)) visit(target, { Alias: () => ((found = true), visit.BREAK) });
      return found;
    };
    const culprit = aliases.find(holdsAlias) ?? aliases[0];
    return { ok: false, problems: [{ file, ...at(culprit), path: (culprit && paths.get(culprit)) ?? '', message: `YAML: ${err.message}: aliases may expand to at most ${MAX_ALIAS_COUNT} nodes` }] };
  }
}

/** The result of checking a file's text: the config, or every problem. */
export type CheckResult = { ok: true; config: FileConfig } | { ok: false; problems: ConfigProblem[] };

/** Checks config text (`file` names it in problems). */
export function checkConfigText(file: string, text: string, env: NodeJS.ProcessEnv = process.env): CheckResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  for (const e of doc.errors) {
    const { line, col } = lc.linePos(e.pos[0]);
    problems.push({ file, line, col, path: '', message: `YAML: ${e.message.split('\n')[0] ?? e.code}` });
  }
  if (problems.length > 0) return { ok: false, problems };
  const aliased = aliasProblems(file, doc, lc);
  if (!aliased.ok) return aliased;
  const raw = aliased.raw ?? {};
  const parsed = configSchema(env).safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  for (const issue of parsed.error.issues) problems.push(...issueProblems(file, doc, lc, issue));
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  return { ok: false, problems };
}

/** Reads and checks a config file. @throws ConfigError (`ERR_METERKIT_INVALID_CONFIG`) with every problem. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): FileConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 0, col: 0, path: '', message: `cannot read the file: ${(err as Error).message}` }]);
  }
  const r = checkConfigText(file, text, env);
  if (!r.ok) throw new ConfigError(r.problems);
  return r.config;
}
