import { ErrorCode, MeterkitError, describeValue } from './errors.js';
import type { HistogramOptions } from './registry.js';

/** A scrape-time collector: updates metrics right before they are read. */
export type CollectFn = () => void | Promise<void>;

/** Options of one collector. */
export interface CollectorOptions {
  /**
   * Called when a scrape stops waiting for this collector (it outlived the inline timeout and
   * the scrape answers with its previous data). For a collector's own count, such as
   * docker_exporter's `docker_probe_inline_timeouts_total`.
   */
  onInlineTimeout?: () => void;
}

/** Where a collector adds itself to run before each scrape: a Registry is one. */
export interface CollectorHost {
  /** Adds a collector; the returned function removes it. */
  addCollector(name: string, fn: CollectFn, options?: CollectorOptions): () => void;
}

/**
 * A target that takes histogram options by metric name, as a Registry does: how a collector
 * sets the buckets of the histograms it records. Optional, since another Recorder has no such
 * settings (its histograms keep whatever buckets it gives them).
 */
export interface HistogramOptionsTarget {
  setHistogramOptions?(name: string, options: HistogramOptions): void;
}

interface Entry {
  readonly name: string;
  readonly fn: CollectFn;
  readonly onInlineTimeout: (() => void) | undefined;
}

/** What the collector set reports into (the registry it belongs to). */
export interface CollectSink {
  /** A collector threw or rejected. */
  collectorFailed(name: string): void;
  /** A collect run outlived the inline timeout. */
  inlineTimeout(): void;
}

/** Default time a scrape waits for collectors before answering with the last data. */
export const DEFAULT_INLINE_TIMEOUT = 10_000;

/** Part of a scraper's timeout kept back to render and send the answer. */
const SCRAPE_MARGIN_RATIO = 0.1;
/** The least time kept back to render and send, ms. */
const SCRAPE_MARGIN_MIN = 250;
/** A scrape waits at least this long for collectors, however short the scraper's timeout, ms. */
const INLINE_TIMEOUT_FLOOR = 100;

/**
 * The inline timeout of one scrape: how long it waits for collectors before answering with the
 * last data. Without a scraper's timeout, `configured`. With one (Prometheus sends it as
 * `X-Prometheus-Scrape-Timeout-Seconds`), the scrape must answer before it: the collectors get
 * that timeout less a margin for rendering and sending (10% of it, at least 250 ms), never more
 * than `configured`, and never less than 100 ms (unless `configured` is less).
 * E.g. with 10 000 configured: a 10 s scrape timeout gives 9 000; 1 s gives 750; 30 s gives 10 000.
 */
export function inlineTimeoutFor(configured: number, scrapeTimeoutMs?: number): number {
  if (scrapeTimeoutMs === undefined || !(scrapeTimeoutMs > 0)) return configured;
  const margin = Math.max(SCRAPE_MARGIN_MIN, scrapeTimeoutMs * SCRAPE_MARGIN_RATIO);
  return Math.min(configured, Math.max(INLINE_TIMEOUT_FLOOR, Math.floor(scrapeTimeoutMs - margin)));
}

/** Reports a failure of a reporting hook itself, where nothing else can hear of it. */
function lastResort(what: string, err: unknown): void {
  process.emitWarning(`${what}: ${err instanceof Error ? err.message : String(err)}`, { code: 'METERKIT_HOOK_FAILED' });
}

/**
 * Runs named collectors before each scrape. Concurrent scrapes share one run (single-flight).
 * A run slower than the inline timeout lets the scrape go on with the last data while the run
 * finishes in the background. A failing collector never fails the run: the sink counts it and
 * `onError` hears of it once per episode (the first failure after a success).
 */
export class CollectorSet {
  private readonly fns = new Map<string, Entry>();
  /** Collectors of the run under way that have not finished yet. */
  private readonly pending = new Set<Entry>();
  private readonly failing = new Set<string>();
  private running: Promise<void> | null = null;

  constructor(
    private readonly sink: CollectSink,
    private readonly onError: (name: string, err: unknown) => void,
  ) {}

  /** Adds a collector; the returned function removes it. */
  add(name: string, fn: CollectFn, options: CollectorOptions = {}): () => void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid collector name ${describeValue(name)}: it must be a non-empty string`);
    }
    if (typeof fn !== 'function') {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid collector ${describeValue(fn)} for "${name}": it must be a function`);
    }
    if (this.fns.has(name)) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `collector "${name}" is already added: collector names must be unique`);
    }
    const entry: Entry = { name, fn, onInlineTimeout: options.onInlineTimeout };
    this.fns.set(name, entry);
    return () => {
      if (this.fns.get(name) === entry) this.fns.delete(name);
      this.failing.delete(name);
    };
  }

  /**
   * Runs every collector (or joins the run under way) and resolves when it ends or after
   * `inlineTimeout` ms, whichever is first. Never rejects: whatever fails (a collector, the
   * sink, an `onInlineTimeout` hook) is reported through `onError`.
   */
  async collect(inlineTimeout = DEFAULT_INLINE_TIMEOUT): Promise<void> {
    if (this.fns.size === 0 && this.running === null) return;
    const run = (this.running ??= this.runAll().finally(() => {
      this.running = null;
    }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      // Not unref'd: with a collector stuck on a promise alone, an unref'd timer lets the process
      // exit mid-await (a push script would end with nothing pushed). It is bounded by the inline
      // timeout and cleared as soon as the run ends, whichever way this await ends.
      timer = setTimeout(() => resolve(true), inlineTimeout);
    });
    let late: boolean;
    try {
      late = await Promise.race([run.then(() => false), timedOut]);
    } finally {
      clearTimeout(timer);
    }
    if (!late) return;
    this.guard('(inline timeout count)', () => this.sink.inlineTimeout());
    for (const e of this.pending) {
      if (e.onInlineTimeout !== undefined) this.guard(e.name, e.onInlineTimeout);
    }
  }

  /** Runs `fn` and reports what it throws through `onError` under `name`, never throwing. */
  private guard(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(name, err);
    }
  }

  /** Hands an error to `onError`; one that throws there too is a process warning naming both. */
  private report(name: string, err: unknown): void {
    try {
      this.onError(name, err);
    } catch (hookErr) {
      lastResort(`meterkit: the collector error hook threw (${hookErr instanceof Error ? hookErr.message : String(hookErr)}) while reporting "${name}"`, err);
    }
  }

  private async runAll(): Promise<void> {
    await Promise.all(
      [...this.fns].map(async ([name, entry]) => {
        this.pending.add(entry);
        try {
          await entry.fn();
          this.failing.delete(name);
        } catch (err) {
          this.guard(name, () => this.sink.collectorFailed(name));
          if (!this.failing.has(name)) {
            this.failing.add(name);
            this.report(name, err);
          }
        } finally {
          this.pending.delete(entry);
        }
      }),
    );
  }
}
