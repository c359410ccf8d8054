/**
 * Values decoded from bytes, found again by those bytes: the decoder's cache of names and
 * label sets (see decode.ts, "Speed"). Bounded: a hash of the bytes picks one of a fixed number
 * of slots, a byte compare confirms a hit, and a new entry replaces whatever held its slot.
 */

/** Slots of each cache (a power of two); entries longer than MAX_CACHED_BYTES are not kept. */
const SLOTS = 1024;
const MAX_CACHED_BYTES = 1024;

/** @internal */
export class BytesCache<T> {
  private readonly keys: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(SLOTS);
  private readonly values: Array<T | undefined> = new Array<T | undefined>(SLOTS);

  constructor(private readonly make: (buf: Uint8Array, s: number, e: number) => T) {}

  get(buf: Uint8Array, s: number, e: number): T {
    const n = e - s;
    let h = 0x811c9dc5 ^ n; // FNV-1a
    for (let i = s; i < e; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
    const slot = h & (SLOTS - 1);
    const k = this.keys[slot];
    if (k !== undefined && k.length === n) {
      let i = 0;
      while (i < n && k[i] === buf[s + i]) i++;
      if (i === n) return this.values[slot] as T;
    }
    const v = this.make(buf, s, e);
    if (n <= MAX_CACHED_BYTES) {
      this.keys[slot] = buf.slice(s, e);
      this.values[slot] = v;
    }
    return v;
  }
}
