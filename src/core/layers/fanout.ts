import type { Counter, Gauge, Histogram } from '../handles.js';
import type { Labels } from '../labels.js';
import type { Recorder } from '../recorder.js';
import type { Unit } from '../units.js';

class FanoutHandle implements Counter, Gauge, Histogram {
  constructor(private readonly handles: ReadonlyArray<Counter & Gauge & Histogram>) {}
  increment(n?: number): void {
    for (const h of this.handles) h.increment(n);
  }
  decrement(n?: number): void {
    for (const h of this.handles) h.decrement(n);
  }
  absolute(v: number): void {
    for (const h of this.handles) h.absolute(v);
  }
  set(v: number): void {
    for (const h of this.handles) h.set(v);
  }
  record(v: number): void {
    for (const h of this.handles) h.record(v);
  }
  recordMany(v: number, n: number): void {
    for (const h of this.handles) h.recordMany(v, n);
  }
}

/**
 * Sends every metric to several recorders: one handle updates them all (e.g. a Registry for
 * Prometheus and a TcpRecorder for the live stream).
 */
export class FanoutRecorder implements Recorder {
  /** The recorders, in the order they are updated. */
  readonly recorders: readonly Recorder[];

  constructor(recorders: readonly Recorder[]) {
    this.recorders = [...recorders];
  }

  private all<H>(get: (r: Recorder) => H): H {
    if (this.recorders.length === 1) return get(this.recorders[0] as Recorder);
    return new FanoutHandle(this.recorders.map(get) as unknown as Array<Counter & Gauge & Histogram>) as H;
  }

  describeCounter(name: string, unit?: Unit, description?: string): void {
    for (const r of this.recorders) r.describeCounter(name, unit, description);
  }
  describeGauge(name: string, unit?: Unit, description?: string): void {
    for (const r of this.recorders) r.describeGauge(name, unit, description);
  }
  describeHistogram(name: string, unit?: Unit, description?: string): void {
    for (const r of this.recorders) r.describeHistogram(name, unit, description);
  }
  registerCounter(name: string, labels?: Labels): Counter {
    return this.all((r) => r.registerCounter(name, labels));
  }
  registerGauge(name: string, labels?: Labels): Gauge {
    return this.all((r) => r.registerGauge(name, labels));
  }
  registerHistogram(name: string, labels?: Labels): Histogram {
    return this.all((r) => r.registerHistogram(name, labels));
  }
}
