/**
 * A full garbage collection on demand. `npm test` runs without `--expose-gc`, so V8's `gc()` is
 * exposed here when first needed. Any assertion on heap or RSS figures runs this first: without
 * it the figure includes garbage that happens not to have been collected yet, and the assertion
 * tests the collector's timing, not the code.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** Runs a full (major, "forced") garbage collection now. */
export function forceGc(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    // a fresh context sees the flag and gets its own `gc` global; it collects the whole isolate
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** Heap bytes in use after a full collection: live data only. */
export function liveHeapBytes(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}
