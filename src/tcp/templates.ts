/**
 * Event templates: the bytes of one series' Metric events that do not change per operation.
 * The name and labels are encoded once, when the handle is made; the bytes before the operation
 * field (length prefix, Event tag, Metric length, name, timestamp, labels) depend only on the
 * timestamp and on the operation's length, so they are built once per timestamp and length and
 * copied whole by every operation (see encoding.ts for the layout).
 */
import { TAG, varintSize, writeVarint } from './encoding.js';

/** The static parts of one series' Metric events. @internal */
export class EventTemplate {
  /** Everything of an event before the operation field, for `ts` and `opLen`. */
  private tpl: Uint8Array = new Uint8Array(0);
  private ts: Uint8Array | null = null;
  private opLen = 0;

  constructor(
    /** The encoded `name` field. */
    readonly namePart: Uint8Array,
    /** The encoded `labels` map entries. */
    readonly labelsPart: Uint8Array,
  ) {}

  /** The most bytes one event of this series takes with an operation of `opLen` bytes. */
  maxLength(opLen: number): number {
    // worst case: 5+1+5 bytes of lengths, a 14-byte timestamp field
    return 11 + this.namePart.length + 14 + this.labelsPart.length + opLen;
  }

  /**
   * The bytes before the operation field for timestamp field `ts` and an operation of `opLen`
   * bytes. Rebuilt only when either changes (`ts` is compared by identity: the ingress renews
   * the array when it reads the clock), so a run of operations allocates nothing.
   */
  prefix(ts: Uint8Array, opLen: number): Uint8Array {
    if (this.ts !== ts || this.opLen !== opLen) this.build(ts, opLen);
    return this.tpl;
  }

  private build(ts: Uint8Array, opLen: number): void {
    const np = this.namePart;
    const lp = this.labelsPart;
    const metricLen = np.length + ts.length + lp.length + opLen;
    const eventLen = 1 + varintSize(metricLen) + metricLen;
    const tpl = new Uint8Array(varintSize(eventLen) + 1 + varintSize(metricLen) + np.length + ts.length + lp.length);
    let p = writeVarint(tpl, 0, eventLen);
    tpl[p++] = TAG.eventMetric;
    p = writeVarint(tpl, p, metricLen);
    tpl.set(np, p);
    p += np.length;
    tpl.set(ts, p);
    p += ts.length;
    tpl.set(lp, p);
    this.tpl = tpl;
    this.ts = ts;
    this.opLen = opLen;
  }
}
