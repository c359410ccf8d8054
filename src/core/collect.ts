import { ErrorCode, MeterkitError, describeValue } from './errors.js';

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

interface Entry {
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
    const entry: Entry = { fn, onInlineTimeout: options.onInlineTimeout };
    this.fns.set(name, entry);
    return () => {
      if (this.fns.get(name) === entry) this.fns.delete(name);
      this.failing.delete(name);
    };
  }

  /** Names of the collectors, in the order added. */
  names(): string[] {
    return [...this.fns.keys()];
  }

  /**
   * Runs every collector (or joins the run under way) and resolves when it ends or after
   * `inlineTimeout` ms, whichever is first. Never rejects.
   */
  async collect(inlineTimeout = DEFAULT_INLINE_TIMEOUT): Promise<void> {
    if (this.fns.size === 0 && this.running === null) return;
    const run = (this.running ??= this.runAll().finally(() => {
      this.running = null;
    }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      // not unref'd: someone awaits this scrape, and the timer ends with the run at the latest
      timer = setTimeout(() => resolve(true), inlineTimeout);
    });
    const late = await Promise.race([run.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.sink.inlineTimeout();
      for (const e of this.pending) e.onInlineTimeout?.();
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
          this.sink.collectorFailed(name);
          if (!this.failing.has(name)) {
            this.failing.add(name);
            try {
              this.onError(name, err);
            } catch {
              // a broken error hook must not break the scrape
            }
          }
        } finally {
          this.pending.delete(entry);
        }
      }),
    );
  }
}
