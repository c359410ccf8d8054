/**
 * The byte writer the renderer builds its output with: text written straight into large
 * Buffers (slabs), handed out as views without copying.
 *
 * Why bytes and not strings: building 100k lines by string concatenation makes a rope per line
 * that must be flattened (copied) and then joined (copied again) and encoded to UTF-8 for the
 * socket (a third copy), and the garbage of those ropes cost a fifth of the render in GC
 * (measured). Writing bytes once into a slab makes the HTTP path copy-free and leaves render()
 * one copy and one decode, which is a plain Latin-1 copy when the output is all ASCII (the
 * usual case: metric and label names are ASCII by rule, most label values are).
 *
 * A multi-byte character is never split between two chunks (every write reserves room for all
 * of its bytes first), so each chunk decodes on its own.
 */
import { escapeLabelValue, formatValue } from './format.js';

/** Default slab size: large enough that per-chunk costs vanish, small enough to stream. */
const SLAB = 64 * 1024;

/** UTF-8 bytes of `s`, and whether they are all ASCII. */
export interface Encoded {
  readonly bytes: Uint8Array;
  readonly ascii: boolean;
}

/** Encodes `s` once, for pieces written many times (names, label blocks, bucket bounds). */
export function encode(s: string): Encoded {
  const bytes = Buffer.from(s, 'utf8');
  return { bytes, ascii: bytes.length === s.length };
}

/** Appends text to slabs; {@link TextWriter.take} hands out what was written. */
export class TextWriter {
  private buf: Buffer;
  private pos = 0;
  /** Start of the part of `buf` not handed out yet. */
  private from = 0;
  private readonly full: Buffer[] = [];
  /** Bytes handed out or held, for callers that bound their output. */
  private written = 0;
  /** False once any byte above 0x7f was written: the output is then decoded as UTF-8. */
  ascii = true;

  /**
   * @param first size of the first slab: a caller that knows roughly how much it will write
   *   (render() remembers the size of its last output) gets it in one piece, with no copy to
   *   join slabs.
   */
  constructor(first = SLAB) {
    this.buf = Buffer.allocUnsafe(Math.max(first, SLAB));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.written + this.pos - this.from;
  }

  /** Makes room for `n` more bytes in the current slab. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > this.from) this.full.push(this.buf.subarray(this.from, this.pos));
    this.written += this.pos - this.from;
    this.buf = Buffer.allocUnsafe(Math.max(SLAB, n));
    this.pos = 0;
    this.from = 0;
  }

  /** Writes ASCII text known to need no escaping (names, numbers, fixed syntax). */
  ascii7(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Writes one ASCII byte. */
  byte(c: number): void {
    if (this.pos === this.buf.length) this.room(1);
    this.buf[this.pos++] = c;
  }

  /** Writes pre-encoded bytes. */
  bytes(e: Encoded): void {
    const u = e.bytes;
    const n = u.length;
    if (this.pos + n > this.buf.length) this.room(n);
    this.pos = put(this.buf, this.pos, u);
    if (!e.ascii) this.ascii = false;
  }

  /** Writes any text as UTF-8, unescaped (HELP text and exemplars arrive escaped already). */
  text(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = p;
        this.utf8(s.slice(i));
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /**
   * The labels part of a sample line: `start` (the name and every label but the last, up to
   * the last one's opening quote), the last label's value escaped, and `"} `. The hot path of a
   * render: one bounds check, then plain byte stores.
   */
  labels(start: Encoded, last: string): void {
    const u = start.bytes;
    const k = u.length;
    const n = last.length;
    if (this.pos + k + n + 3 > this.buf.length) this.room(k + n + 3);
    const b = this.buf;
    let p = put(b, this.pos, u);
    if (!start.ascii) this.ascii = false;
    p = this.labelAt(b, p, last);
    // the slow path of labelAt may have moved on to a new slab: p is in this.buf
    if (p + 3 > this.buf.length) {
      this.pos = p;
      this.room(3);
      p = this.pos;
    }
    const out = this.buf;
    out[p] = 0x22;
    out[p + 1] = 0x7d;
    out[p + 2] = 0x20;
    this.pos = p + 3;
  }

  /**
   * Writes `s` escaped at `p` in `b` (which has room for `s.length` bytes); returns the end,
   * which is in `this.buf`: a slow path (escapes, non-ASCII) may move on to a new slab.
   */
  private labelAt(b: Buffer, p: number, s: string): number {
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // 0x22 ", 0x5c \, 0x0a newline: escaped; non-ASCII: encoded; both on the slow path
      if (c >= 0x80 || c === 0x22 || c === 0x5c || c === 0x0a) {
        this.pos = p;
        this.utf8(escapeLabelValue(s.slice(i)));
        return this.pos;
      }
      b[p++] = c;
    }
    return p;
  }

  private utf8(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.room(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
    if (n !== s.length) this.ascii = false;
  }

  /** Writes a sample value as {@link formatValue} spells it. */
  value(v: number): void {
    // integers (the usual counter value) as digits, without making a string
    if (Number.isSafeInteger(v)) this.integer(v);
    else this.ascii7(formatValue(v));
  }

  /** Writes a safe integer in decimal (as `String(v)` does; -0 is `0`). */
  private integer(v: number): void {
    if (this.pos + 17 > this.buf.length) this.room(17);
    const b = this.buf;
    let p = this.pos;
    let n = v;
    if (n < 0) {
      b[p++] = 0x2d;
      n = -n;
    }
    if (n < 10) {
      b[p++] = 0x30 + n;
      this.pos = p;
      return;
    }
    if (n > 0x7fffffff) {
      // past int32: let the engine spell it (still plain digits below 2^53)
      this.pos = p;
      this.ascii7(String(n));
      return;
    }
    let digits = 2;
    for (let m = 100; m <= n && digits < 10; m *= 10) digits++;
    p += digits;
    this.pos = p;
    while (n > 0) {
      const q = (n / 10) | 0;
      b[--p] = 0x30 + n - q * 10;
      n = q;
    }
  }

  /** Moves everything written so far to `out` as Buffers (views of the slabs, not copies). */
  take(out: Buffer[]): void {
    for (const c of this.full) out.push(c);
    this.full.length = 0;
    if (this.pos > this.from) {
      out.push(this.buf.subarray(this.from, this.pos));
      this.written += this.pos - this.from;
      this.from = this.pos;
    }
  }
}

/** Copies `u` into `b` at `p` (which has room); returns the end. */
function put(b: Buffer, p: number, u: Uint8Array): number {
  const n = u.length;
  // TypedArray.set costs ~17 ns whatever the size, a loop ~2.5 ns a byte (measured): loop under 8
  if (n >= 8) {
    b.set(u, p);
    return p + n;
  }
  for (let i = 0; i < n; i++) b[p + i] = u[i] as number;
  return p + n;
}

/** Joins chunks of a {@link TextWriter} into one string (Latin-1 when they are all ASCII). */
export function decode(chunks: readonly Buffer[], ascii: boolean): string {
  const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  return all.toString(ascii ? 'latin1' : 'utf8');
}
