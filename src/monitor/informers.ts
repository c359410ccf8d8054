/**
 * Informers: what a reporting peer measures about itself and sends beside its `ping`, like
 * ipfs-cluster's informers (`freespace`, `numpin`, …). Each reads one value per report.
 *
 * | name | value |
 * |---|---|
 * | `cpu_ratio` | CPU time (user + system) the process used since the previous report, divided by the wall time: 1 = one core busy |
 * | `rss_bytes` | resident set size of the process, bytes |
 * | `event_loop_lag_ms` | the longest event-loop delay seen since the previous report, ms (sampled every 20 ms) |
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';

/** One measurement a reporter sends with every batch. */
export interface Informer {
  /** The metric name (see `METRIC_NAME_RULE`). */
  readonly name: string;
  /** The value now. Throwing (or a non-finite number) sends the metric with `valid: false`. */
  read(): number | string;
  /** Releases what the informer holds (a histogram, a timer). */
  close?(): void;
}

/** Name of the heartbeat metric every report carries. */
export const PING_METRIC = 'ping';
/** Name of the CPU informer's metric. */
export const CPU_METRIC = 'cpu_ratio';
/** Name of the memory informer's metric. */
export const RSS_METRIC = 'rss_bytes';
/** Name of the event-loop informer's metric. */
export const EVENT_LOOP_LAG_METRIC = 'event_loop_lag_ms';

/** CPU used by this process since the previous read, as a fraction of one core. */
export function cpuInformer(now: () => number = () => performance.now()): Informer {
  let lastCpu = process.cpuUsage();
  let lastWall = now();
  return {
    name: CPU_METRIC,
    read() {
      const cpu = process.cpuUsage(lastCpu);
      const wall = now();
      const elapsedMs = wall - lastWall;
      lastCpu = process.cpuUsage();
      lastWall = wall;
      // µs of CPU over ms of wall time; 0 when no time passed (two reads in one tick)
      return elapsedMs > 0 ? (cpu.user + cpu.system) / 1000 / elapsedMs : 0;
    },
  };
}

/** The process's resident set size in bytes. */
export function rssInformer(): Informer {
  return { name: RSS_METRIC, read: () => process.memoryUsage.rss() };
}

/** The longest event-loop delay since the previous read, ms; the histogram is reset on each read. */
export function eventLoopLagInformer(): Informer {
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  h.enable();
  return {
    name: EVENT_LOOP_LAG_METRIC,
    read() {
      // no sample yet (the first 20 ms): no delay seen
      const max = h.count === 0 ? 0 : h.max / 1e6;
      h.reset();
      return max;
    },
    close: () => h.disable(),
  };
}

/** The informers a reporter uses unless told otherwise: CPU, memory and event-loop lag. */
export function defaultInformers(): Informer[] {
  return [cpuInformer(), rssInformer(), eventLoopLagInformer()];
}
