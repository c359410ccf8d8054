/**
 * The stream's handles: check the value (core/validate.ts), return at once when no client is
 * connected, else encode one event into the ingress through the series' template.
 */
import type { Counter, Gauge, Histogram } from '../core/handles.js';
import type { InvalidUpdates } from '../core/validate.js';
import { isCount, isCounterValue, isFiniteNumber } from '../core/validate.js';
import { TAG } from './encoding.js';
import type { Ingress } from './ingress.js';
import type { EventTemplate } from './templates.js';

/** One series of the stream; one class serves every kind (the recorder picks the view). @internal */
export class TcpHandle implements Counter, Gauge, Histogram {
  private frac = 0;

  constructor(
    private readonly ingress: Ingress,
    private readonly invalid: InvalidUpdates,
    readonly name: string,
    readonly template: EventTemplate,
  ) {}

  increment(n: number = 1): void {
    if (!isCounterValue(n)) return this.invalid.report(this.name, 'counter increment', n, 'counter');
    if (this.ingress.clients === 0) return;
    let v = n;
    if (!Number.isInteger(n)) {
      // uint64 on the wire: carry the fraction so the stream's total stays right
      this.frac += n;
      v = Math.floor(this.frac);
      this.frac -= v;
      if (v === 0) return;
    }
    this.ingress.metric(this.template, TAG.incrementCounter, v);
  }

  absolute(v: number): void {
    if (!isCounterValue(v)) return this.invalid.report(this.name, 'counter value', v, 'counter');
    if (this.ingress.clients === 0) return;
    this.ingress.metric(this.template, TAG.setCounter, Math.floor(v));
  }

  set(v: number): void {
    if (!isFiniteNumber(v)) return this.invalid.report(this.name, 'gauge value', v, 'finite');
    if (this.ingress.clients === 0) return;
    this.ingress.metric(this.template, TAG.setGauge, v);
  }

  decrement(n: number = 1): void {
    if (!isFiniteNumber(n)) return this.invalid.report(this.name, 'gauge decrement', n, 'finite');
    if (this.ingress.clients === 0) return;
    this.ingress.metric(this.template, TAG.decrementGauge, n);
  }

  gaugeIncrement(n: number = 1): void {
    if (!isFiniteNumber(n)) return this.invalid.report(this.name, 'gauge increment', n, 'finite');
    if (this.ingress.clients === 0) return;
    this.ingress.metric(this.template, TAG.incrementGauge, n);
  }

  record(v: number): void {
    if (!isFiniteNumber(v)) return this.invalid.report(this.name, 'histogram observation', v, 'finite');
    if (this.ingress.clients === 0) return;
    this.ingress.metric(this.template, TAG.recordHistogram, v);
  }

  recordMany(v: number, n: number): void {
    if (!isFiniteNumber(v)) return this.invalid.report(this.name, 'histogram observation', v, 'finite');
    if (!isCount(n)) return this.invalid.report(this.name, 'observation count', n, 'count');
    if (this.ingress.clients === 0) return;
    this.ingress.histogramMany(this.template, v, n);
  }
}

/** A gauge view of a TcpHandle: `increment` means increment_gauge. @internal */
export class TcpGauge implements Gauge {
  constructor(private readonly h: TcpHandle) {}
  increment(n?: number): void {
    this.h.gaugeIncrement(n);
  }
  decrement(n?: number): void {
    this.h.decrement(n);
  }
  set(v: number): void {
    this.h.set(v);
  }
}
