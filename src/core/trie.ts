import type { SeriesBase } from './series.js';

/*
 * Series of one label set live in a trie keyed by label *values*, one level per label name, in
 * the order the names were first seen. Resolving labels given per call is then one keyed load
 * per label on strings V8 has already hashed: no key string is built, nothing is allocated.
 * Nodes are null-prototype dictionary objects (measured faster than Map for this, and a
 * series keeps no copy of its label values: the trie path is the only one).
 * The same names in another order get an alias trie whose leaves point at the same series.
 */
/** A trie node: label value → child node, or → series at the last level. */
export type Node = Record<string, unknown>;

export function newNode(): Node {
  return Object.create(null) as Node;
}

function isEmpty(node: Node): boolean {
  for (const _ in node) return false;
  return true;
}

export function trieGet(root: Node, values: readonly string[]): SeriesBase | undefined {
  let node: unknown = root;
  for (let i = 0; i < values.length; i++) {
    node = (node as Node)[values[i] as string];
    if (node === undefined) return undefined;
  }
  return node as SeriesBase;
}

export function trieSet(root: Node, values: readonly string[], s: SeriesBase): void {
  let node = root;
  const last = values.length - 1;
  for (let i = 0; i < last; i++) {
    const v = values[i] as string;
    let next = node[v] as Node | undefined;
    if (next === undefined) {
      next = newNode();
      node[v] = next;
    }
    node = next;
  }
  node[values[last] as string] = s;
}

export function trieDelete(node: Node, values: readonly string[], depth: number): void {
  const v = values[depth] as string;
  if (depth === values.length - 1) {
    delete node[v];
    return;
  }
  const child = node[v] as Node | undefined;
  if (child === undefined) return;
  trieDelete(child, values, depth + 1);
  if (isEmpty(child)) delete node[v];
}

/** A trie visitor. */
export type Visit = (s: SeriesBase, values: readonly string[]) => void;

export function trieWalk(node: Node, path: string[], depth: number, cb: Visit): void {
  const leaf = depth === path.length - 1;
  for (const k in node) {
    path[depth] = k;
    if (leaf) cb(node[k] as SeriesBase, path);
    else trieWalk(node[k] as Node, path, depth + 1, cb);
  }
}

/**
 * A resumable walk over one trie: `next(budget, cb)` visits at most `budget` series and
 * returns false once the walk is over. Between calls the trie may change: removed series are
 * skipped, series added to nodes already passed are not seen (a scrape is a view as of roughly
 * its start). Used by exporters that render in slices to keep the event loop responsive.
 */
export class SeriesCursor {
  private readonly path: string[];
  private readonly nodes: Node[] = [];
  private readonly keys: string[][] = [];
  private readonly idx: number[] = [];

  constructor(root: Node, levels: number) {
    this.path = new Array<string>(levels);
    this.nodes.push(root);
    this.keys.push(Object.keys(root));
    this.idx.push(0);
  }

  next(budget: number, cb: Visit): boolean {
    let left = budget;
    const levels = this.path.length;
    while (this.nodes.length > 0) {
      const d = this.nodes.length - 1;
      const keys = this.keys[d] as string[];
      const i = this.idx[d] as number;
      if (i >= keys.length) {
        this.nodes.pop();
        this.keys.pop();
        this.idx.pop();
        continue;
      }
      if (left <= 0) return true;
      this.idx[d] = i + 1;
      const k = keys[i] as string;
      const child = (this.nodes[d] as Node)[k];
      if (child === undefined) continue;
      this.path[d] = k;
      if (d === levels - 1) {
        cb(child as SeriesBase, this.path);
        left--;
      } else {
        this.nodes.push(child as Node);
        this.keys.push(Object.keys(child as Node));
        this.idx.push(0);
      }
    }
    return false;
  }
}
