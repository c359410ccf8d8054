/**
 * `memstats` for `/debug/vars`: Go's `runtime.MemStats` field names, filled only where Node.js
 * has a true equivalent, so Go tooling (expvarmon's `memstats.Alloc`, netdata's go_expvar
 * extra charts) reads them with the meaning it expects. The mapping, field by field:
 *
 * | Go field | from | why it is the same thing |
 * |---|---|---|
 * | `Alloc`, `HeapAlloc` | V8 `used_heap_size` | bytes of heap objects, reachable or not yet collected |
 * | `HeapSys` | V8 `total_heap_size` | heap memory obtained from the OS, used or not |
 * | `LastGC` | end of the last collection seen, ns since the epoch | |
 * | `PauseTotalNs` | sum of every `gc` performance entry's duration, ns | each is a pause of the JS thread |
 * | `PauseNs`, `PauseEnd` | 256-slot rings, Go's indexing (latest at `(NumGC+255)%256`) | a cycle's slot holds its pause plus the incremental-marking and weak-callback pauses since the previous cycle |
 * | `NumGC` | completed collections: V8 scavenges (minor) and mark-compacts (major) | |
 * | `NumForcedGC` | those with V8's "forced" flag (`global.gc()`) | |
 *
 * Omitted, having no Node.js equivalent: `TotalAlloc`, `Sys`, `Lookups`, `Mallocs`, `Frees`,
 * `HeapIdle`, `HeapInuse`, `HeapReleased`, `HeapObjects`, the stack, mspan, mcache, buckhash
 * and GC-metadata sizes, `OtherSys`, `NextGC`, `GCCPUFraction`, `EnableGC`, `DebugGC`, `BySize`.
 * The GC figures count collections since the {@link GcStats} started, not since the process did.
 */
import type { PerformanceEntry } from 'node:perf_hooks';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** The `memstats` object: a subset of Go's `runtime.MemStats`, under Go's JSON field names. */
export interface GoMemStats {
  Alloc: number;
  HeapAlloc: number;
  HeapSys: number;
  LastGC?: number;
  PauseTotalNs?: number;
  PauseNs?: number[];
  PauseEnd?: number[];
  NumGC?: number;
  NumForcedGC?: number;
}

/** Slots of Go's `PauseNs` / `PauseEnd` rings. */
const RING = 256;

/**
 * Keeps Go-style GC counters from `gc` performance entries. Start it early: it sees only
 * collections after it starts. `close()` stops observing.
 */
export class GcStats {
  private numGC = 0;
  private numForcedGC = 0;
  private pauseTotalNs = 0;
  private lastGC = 0;
  private readonly pauseNs: number[] = new Array<number>(RING).fill(0);
  private readonly pauseEnd: number[] = new Array<number>(RING).fill(0);
  // pauses (incremental marking, weak callbacks) that belong to the next completed cycle
  private pendingNs = 0;
  private readonly observer: PerformanceObserver;

  constructor() {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.add(e);
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Accounts one `gc` entry (the observer calls this; tests may too). */
  add(e: PerformanceEntry): void {
    const detail = (e as unknown as { detail?: { kind?: number; flags?: number } }).detail ?? {};
    const ns = Math.round(e.duration * 1e6);
    this.pauseTotalNs += ns;
    if (detail.kind !== constants.NODE_PERFORMANCE_GC_MAJOR && detail.kind !== constants.NODE_PERFORMANCE_GC_MINOR) {
      this.pendingNs += ns;
      return;
    }
    const end = Math.round((performance.timeOrigin + e.startTime + e.duration) * 1e6);
    const slot = this.numGC % RING;
    this.pauseNs[slot] = ns + this.pendingNs;
    this.pauseEnd[slot] = end;
    this.pendingNs = 0;
    this.numGC++;
    this.lastGC = end;
    if (((detail.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0) this.numForcedGC++;
  }

  /** The GC fields of `memstats`, copied. */
  read(): Required<Pick<GoMemStats, 'LastGC' | 'PauseTotalNs' | 'PauseNs' | 'PauseEnd' | 'NumGC' | 'NumForcedGC'>> {
    return {
      LastGC: this.lastGC,
      PauseTotalNs: this.pauseTotalNs,
      PauseNs: [...this.pauseNs],
      PauseEnd: [...this.pauseEnd],
      NumGC: this.numGC,
      NumForcedGC: this.numForcedGC,
    };
  }

  /** Stops observing. */
  async close(): Promise<void> {
    this.observer.disconnect();
  }
}

/** Reads `memstats` now; the GC fields only when `gc` is given. Fields in Go's struct order. */
export function readMemStats(gc?: GcStats): GoMemStats {
  const h = getHeapStatistics();
  const heap = { Alloc: h.used_heap_size, HeapAlloc: h.used_heap_size, HeapSys: h.total_heap_size };
  return gc === undefined ? heap : { ...heap, ...gc.read() };
}
