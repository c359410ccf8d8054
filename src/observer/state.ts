import { QuantileSketch } from '../core/sketch.js';
import { isUnit, unitLabel } from '../core/units.js';
import type { StreamEvent } from './decode.js';

/** One series as the observer shows it. */
export interface Row {
  key: string;
  /** `name [k = v, …]`. */
  title: string;
  /** `total: X`, `current: X`, or `min … max` for histograms. */
  value: string;
}

interface Series {
  kind: 'counter' | 'gauge' | 'histogram';
  name: string;
  title: string;
  value: number;
  sketch: QuantileSketch | null;
  /** Replaced by a series of another kind under the same key: shown no more. */
  replaced: boolean;
}

type Kind = Series['kind'];

const TIME_NS: Record<string, number> = { seconds: 1e9, milliseconds: 1e6, microseconds: 1e3, nanoseconds: 1 };
const DATA_B: Record<string, number> = { bytes: 1, kibibytes: 1024, mebibytes: 1024 ** 2, gibibytes: 1024 ** 3, tebibytes: 1024 ** 4 };

function plain(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}

/**
 * A value in its unit: time scaled to s/ms/µs/ns, data to B/KiB/MiB/GiB/TiB (base 1024), other
 * units followed by their display label.
 */
export function formatWithUnit(v: number, unit: string | undefined): string {
  if (unit !== undefined && unit in TIME_NS) {
    const ns = v * (TIME_NS[unit] as number);
    const a = Math.abs(ns);
    if (a >= 1e9) return `${plain(ns / 1e9)}s`;
    if (a >= 1e6) return `${plain(ns / 1e6)}ms`;
    if (a >= 1e3) return `${plain(ns / 1e3)}µs`;
    return `${plain(ns)}ns`;
  }
  if (unit !== undefined && unit in DATA_B) {
    const b = v * (DATA_B[unit] as number);
    const a = Math.abs(b);
    for (const [label, size] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
      if (a >= size) return `${plain(b / size)} ${label}`;
    }
    return `${plain(b)} B`;
  }
  const label = unit !== undefined && isUnit(unit) ? unitLabel(unit) : (unit ?? '');
  return label === '' ? plain(v) : label === '%' ? `${plain(v)}%` : `${plain(v)} ${label}`;
}

/** What the observer knows: metadata by name and the value of every series seen. */
export class ObserverState {
  private readonly series = new Map<string, Series>();
  /**
   * The series of an event found by the identity of its labels object, then its name: the
   * decoder shares one frozen labels object among the events of a series, so the sorted key
   * is built once per series instead of once per event.
   */
  private byLabels = new WeakMap<object, Map<string, Series>>();
  private readonly units = new Map<string, string>();
  readonly descriptions = new Map<string, string>();
  /** Events applied. */
  events = 0;

  /** Forgets everything (values restart from zero on reconnect). */
  clear(): void {
    this.series.clear();
    this.byLabels = new WeakMap();
    this.units.clear();
    this.descriptions.clear();
    this.events = 0;
  }

  apply(e: StreamEvent): void {
    this.events++;
    if (e.type === 'metadata') {
      if (e.unit !== undefined) this.units.set(e.name, e.unit);
      else this.units.delete(e.name);
      if (e.description !== undefined) this.descriptions.set(e.name, e.description);
      return;
    }
    if (e.op === null) return;
    const kind: Kind = e.op === 'increment_counter' || e.op === 'set_counter' ? 'counter' : e.op === 'record_histogram' ? 'histogram' : 'gauge';
    let byName = this.byLabels.get(e.labels);
    let s = byName?.get(e.name);
    if (s === undefined || s.kind !== kind || s.replaced) {
      s = this.lookup(e.name, e.labels, kind);
      if (byName === undefined) this.byLabels.set(e.labels, (byName = new Map()));
      byName.set(e.name, s);
    }
    switch (e.op) {
      case 'increment_counter':
      case 'increment_gauge':
        s.value += e.value;
        break;
      case 'set_counter':
        s.value = Math.max(s.value, e.value);
        break;
      case 'decrement_gauge':
        s.value -= e.value;
        break;
      case 'set_gauge':
        s.value = e.value;
        break;
      case 'record_histogram':
        s.sketch?.add(e.value);
        break;
    }
  }

  /** The series of a name and labels (in any order), made or remade for `kind`. */
  private lookup(name: string, labels: Readonly<Record<string, string>>, kind: Kind): Series {
    const pairs = Object.entries(labels).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const key = `${name}\u0000${pairs.map(([k, v]) => `${k}\u0001${v}`).join('\u0000')}`;
    let s = this.series.get(key);
    if (s === undefined || s.kind !== kind) {
      if (s !== undefined) s.replaced = true;
      const title = pairs.length === 0 ? name : `${name} [${pairs.map(([k, v]) => `${k} = ${v}`).join(', ')}]`;
      s = { kind, name, title, value: 0, sketch: kind === 'histogram' ? new QuantileSketch() : null, replaced: false };
      this.series.set(key, s);
    }
    return s;
  }

  /** Every series, sorted by title. */
  rows(): Row[] {
    const out: Row[] = [];
    for (const [key, s] of this.series) {
      const unit = this.units.get(s.name);
      let value: string;
      if (s.kind === 'counter') value = `total: ${formatWithUnit(s.value, unit)}`;
      else if (s.kind === 'gauge') value = `current: ${formatWithUnit(s.value, unit)}`;
      else {
        const sk = s.sketch as QuantileSketch;
        const f = (v: number): string => formatWithUnit(v, unit);
        value = sk.count === 0 ? 'no data' : `min: ${f(sk.min)} p50: ${f(sk.quantile(0.5))} p99: ${f(sk.quantile(0.99))} p999: ${f(sk.quantile(0.999))} max: ${f(sk.max)}`;
      }
      out.push({ key, title: s.title, value });
    }
    return out.sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  }
}
