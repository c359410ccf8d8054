/**
 * Protobuf varints, in one place: the TCP stream's event encoder (tcp/encoding.ts) and the
 * remote-write encoder (remote-write/proto.ts) both write them.
 */

/** Bytes a varint of `v` (a whole number 0 ≤ v < 2^53) takes. */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes `v` (0 ≤ v < 2^53) as a varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 128) {
    buf[pos++] = (v & 127) | 128;
    v = v < 0x80000000 ? v >>> 7 : Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}
