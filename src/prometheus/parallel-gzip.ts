/**
 * gzip made of pieces compressed side by side, as pigz does: each rendered chunk is deflated on
 * its own in libuv's thread pool, ended with a sync flush (so it ends on a byte boundary and
 * the next piece can follow it in the same deflate stream), and the pieces are sent in order
 * between one gzip header and one trailer (an empty final block, the CRC-32 and the length).
 * The body is a single ordinary gzip member: any gzip reader takes it.
 *
 * Why: a zlib stream compresses one chunk at a time and needs this thread between two chunks,
 * which is busy rendering; the compression then trails the render, and a gzip scrape took about
 * twice as long as render() (bench/RESULTS.md). Pieces go to the pool as soon as they are
 * rendered and come back whenever they are done. The cost: each piece starts without the
 * previous one's window (a few hundred bytes more per piece), and the CRC-32 is computed on
 * this thread (zlib.crc32: about 1.4 ms for 6.8 MB, measured).
 *
 * Backpressure: at most MAX_IN_FLIGHT pieces are being compressed at once; write() waits for
 * room, so the render never runs further ahead than that.
 */
import * as zlib from 'node:zlib';

/**
 * zlib level 1 (BEST_SPEED): measured on 6.8 MB of exposition text (100k series), it compresses
 * in 15 ms to 574 KB where the default level 6 takes 72 ms for 555 KB: 3% more bytes for a
 * compression nearly 5× faster, which is what keeps a gzip scrape close to the render itself.
 */
export const GZIP_LEVEL = 1;

/** Pieces being compressed at once (each one slice of the render, well under 1 MB). */
const MAX_IN_FLIGHT = 8;

/** Magic, deflate, no flags, no mtime, no extra flags, OS unknown (RFC 1952 §2.3). */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);

const PIECE: zlib.ZlibOptions = { level: GZIP_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH };

type Crc32 = (data: Uint8Array, value: number) => number;

let table: Int32Array | null = null;

/**
 * CRC-32 (the gzip one) in JavaScript, for Node before 20.15 / 22.2, which have no zlib.crc32:
 * slower (a table lookup a byte) but the same result.
 */
export const crc32js: Crc32 = (data, value) => {
  if (table === null) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  const t = table;
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
};

const crc32: Crc32 = (zlib as { crc32?: Crc32 }).crc32 ?? crc32js;

/** One gzip body, compressed in pieces; `out` gets its bytes in order. */
export class ParallelGzip {
  private crc = 0;
  private size = 0;
  /** Pieces handed to the pool, and pieces handed to `out`. */
  private started = 0;
  private sent = 0;
  private readonly ready = new Map<number, Buffer>();
  private failure: Error | undefined;
  private wake: (() => void) | null = null;

  constructor(private readonly out: (bytes: Buffer) => void) {
    out(HEADER);
  }

  /** Starts compressing `bytes`; resolves once there is room for another piece. */
  async write(bytes: Buffer): Promise<void> {
    this.crc = crc32(bytes, this.crc);
    this.size += bytes.length;
    const i = this.started++;
    zlib.deflateRaw(bytes, PIECE, (err, piece) => {
      if (err !== null) this.failure ??= err;
      else this.ready.set(i, piece);
      this.flush();
    });
    while (this.failure === undefined && this.started - this.sent >= MAX_IN_FLIGHT) await this.progress();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for every piece, then writes the trailer. Rejects with a compression's error. */
  async end(): Promise<void> {
    while (this.failure === undefined && this.sent < this.started) await this.progress();
    if (this.failure !== undefined) throw this.failure;
    const tail = Buffer.alloc(10);
    tail[0] = 0x03; // an empty final block with fixed codes: BFINAL 1, BTYPE 01, end of block
    tail.writeUInt32LE(this.crc >>> 0, 2);
    tail.writeUInt32LE(this.size >>> 0, 6); // ISIZE: the length modulo 2^32
    this.out(tail);
  }

  /** Sends the pieces that are next in order. */
  private flush(): void {
    for (let p = this.ready.get(this.sent); p !== undefined; p = this.ready.get(this.sent)) {
      this.ready.delete(this.sent++);
      this.out(p);
    }
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private progress(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
}
