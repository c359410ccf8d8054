/**
 * The peers a monitor has heard from. Each has an index into per-peer columns (last seen,
 * peer-set generation, the worst state of its windows at a check), so a check walks two small
 * arrays instead of 10 000 objects; the Peer object itself is for finding a peer's windows
 * by id when a metric arrives.
 */
import { grown } from './window.js';
import type { Window } from './window.js';

/** A peer: its id, its column index and its windows (a handful: one per metric name). */
export interface Peer {
  readonly id: string;
  readonly index: number;
  readonly windows: Window[];
}

const INITIAL_PEERS = 64;

export class PeerTable {
  /** When each peer last sent any metric, ms since the epoch. */
  lastSeen = new Float64Array(INITIAL_PEERS);
  /** The peer-set generation that last listed each peer (explicit peer sets only). */
  gen = new Int32Array(INITIAL_PEERS);
  /** Scratch for a check: the worst state rank of each peer's windows (0 = not judged). */
  worst = new Uint8Array(INITIAL_PEERS);
  /** Per index: the peer, or undefined when the index is free. */
  readonly byIndex: Array<Peer | undefined> = [];
  private readonly byId = new Map<string, Peer>();
  private readonly free: number[] = [];
  /** Indexes ever used: a walk over the peers goes from 0 to this. */
  used = 0;

  get(id: string): Peer | undefined {
    return this.byId.get(id);
  }

  /** Every peer (in the order they first reported). */
  values(): IterableIterator<Peer> {
    return this.byId.values();
  }

  add(id: string): Peer {
    let index = this.free.pop();
    if (index === undefined) {
      if (this.used === this.lastSeen.length) {
        this.lastSeen = grown(this.lastSeen);
        this.gen = grown(this.gen);
        this.worst = grown(this.worst);
      }
      index = this.used++;
    }
    const p: Peer = { id, index, windows: [] };
    this.gen[index] = 0;
    this.worst[index] = 0;
    this.byIndex[index] = p;
    this.byId.set(id, p);
    return p;
  }

  remove(p: Peer): void {
    this.byId.delete(p.id);
    this.byIndex[p.index] = undefined;
    this.free.push(p.index);
  }
}
