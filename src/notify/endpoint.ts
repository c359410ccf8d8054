/**
 * An endpoint: distribution's chain queue → retrying sink → HTTP sink, as one sender loop over
 * the endpoint's list in a {@link NotifyQueue}.
 *
 * The loop takes one batch at a time (up to `maxEvents`, after waiting up to `maxWait` for it
 * to fill), and keeps sending that batch until it is delivered (acked) or given up on
 * (dead-lettered); only then does it take the next one. That is what keeps per-endpoint order:
 * nothing overtakes a batch that is being retried. The policy (what is retried, how long to
 * wait) is retry.ts's.
 *
 * Each attempt is signed afresh when a secret is set (Standard Webhooks: the same `webhook-id`
 * for every attempt of a batch, a new `webhook-timestamp`).
 */
import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Recorder } from '../core/recorder.js';
import type { Clock } from './clock.js';
import { sleep } from './clock.js';
import type { ResolvedEndpointConfig } from './endpoint-config.js';
import { publicConfig, publicUrl } from './endpoint-config.js';
import { CLOUDEVENTS_BATCH_MEDIA_TYPE, EVENTS_MEDIA_TYPE, cloudEventsBody, envelopeBody } from './event.js';
import { HttpSink } from './http-sink.js';
import type { EndpointMetrics } from './metrics.js';
import { EndpointStats, statusText } from './metrics.js';
import type { NotifyQueue, QueuedEvent } from './queue.js';
import { classify, parseRetryAfter, retryWait } from './retry.js';
import { signWebhook } from './signing.js';

/** What an endpoint's sender needs from its broadcaster. */
export interface EndpointContext {
  readonly queue: NotifyQueue;
  readonly clock: Clock;
  readonly recorder: Recorder;
  readonly random: () => number;
  readonly onError: (err: Error) => void;
}

/** One entry of `/debug/vars` `notifications.endpoints` (distribution's layout). */
export interface EndpointVars extends Record<string, unknown> {
  name: string;
  url: string;
  Metrics: EndpointMetrics;
}

/** The `webhook-id` of a batch: the event's id for one event, else a digest of the ids (stable across retries). */
export function batchId(batch: readonly QueuedEvent[]): string {
  if (batch.length === 1) return (batch[0] as QueuedEvent).id;
  const h = createHash('sha256');
  for (const e of batch) h.update(e.id).update('\n');
  return `batch_${h.digest('base64url').slice(0, 32)}`;
}

/** See the file comment. Made by a {@link Broadcaster}; read through it. */
export class Endpoint {
  readonly stats: EndpointStats;
  private readonly sink: HttpSink;
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private consecutive = 0;

  constructor(
    readonly config: ResolvedEndpointConfig,
    private readonly ctx: EndpointContext,
  ) {
    this.stats = new EndpointStats(ctx.recorder, config.name);
    this.sink = new HttpSink(config.url, config.timeout, config.ca);
    this.refresh();
  }

  /** The endpoint's name. */
  get name(): string {
    return this.config.name;
  }

  /** False when the endpoint's ignore rules drop events with `action`. */
  accepts(action: string): boolean {
    return !this.config.ignoredActions.has(action);
  }

  /** Updates the pending and dead-letter figures from the queue. */
  refresh(): void {
    const q = this.ctx.queue;
    this.stats.setQueue(q.pending(this.config.name), q.deadLetterCount(this.config.name), q.deadLettersDropped?.(this.config.name), q.malformed?.(this.config.name));
  }

  /** Starts the sender loop (once). */
  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const { queue, clock } = this.ctx;
    const { name, maxEvents, maxWait, backoff } = this.config;
    const signal = this.stop.signal;
    while (!signal.aborted) {
      let batch: QueuedEvent[] = [];
      try {
        await queue.waitFor(name, 1, signal);
        if (signal.aborted) break;
        if (maxWait > 0) await this.fill(name, maxEvents, maxWait);
        batch = await queue.take(name, maxEvents, this.config.maxBatchBytes);
        if (batch.length === 0) {
          await new Promise((r) => setImmediate(r));
          continue;
        }
        await this.deliver(batch);
      } catch (err) {
        // a queue failure: report it, wait, and go on (the loop never throws). A batch still
        // leased (its ack failed, say) goes back to the head: sent again rather than skipped,
        // so order holds and nothing is left behind
        this.ctx.onError(err as Error);
        if (batch.length > 0) await queue.release(name, batch).catch((e: unknown) => this.ctx.onError(e as Error));
        await sleep(clock, backoff, signal);
      }
    }
  }

  /** Waits until maxEvents are there or maxWait has passed, whichever comes first. */
  private async fill(name: string, maxEvents: number, maxWait: number): Promise<void> {
    const ac = new AbortController();
    const abort = (): void => ac.abort();
    this.stop.signal.addEventListener('abort', abort, { once: true });
    try {
      await Promise.race([this.ctx.queue.waitFor(name, maxEvents, ac.signal), sleep(this.ctx.clock, maxWait, ac.signal)]);
    } finally {
      ac.abort();
      this.stop.signal.removeEventListener('abort', abort);
    }
  }

  private async deliver(batch: readonly QueuedEvent[]): Promise<void> {
    const { queue, clock } = this.ctx;
    const c = this.config;
    const signal = this.stop.signal;
    const actions = batch.map((e) => e.action);
    const jsons = batch.map((e) => e.json);
    const cloud = c.format === 'cloudevents';
    const body = cloud ? cloudEventsBody(jsons) : envelopeBody(jsons);
    const id = c.key === undefined ? undefined : batchId(batch);
    const ownHeaders = Object.keys(c.headers);
    for (let attempts = 1; ; attempts++) {
      const headers: OutgoingHttpHeaders = { ...c.headers, 'content-type': cloud ? CLOUDEVENTS_BATCH_MEDIA_TYPE : EVENTS_MEDIA_TYPE, 'user-agent': 'meterkit-notify' };
      if (c.key !== undefined) Object.assign(headers, signWebhook(c.key, id as string, body, Math.floor(clock.now() / 1000)));
      const r = await this.sink.send(body, headers, ownHeaders);
      // a request node:http could not build is refused for good: dead-lettered, not retried
      const verdict = r.permanent === true ? 'dead' : classify(r.status);
      if (r.status === undefined) this.stats.errored(actions, r.seconds);
      else this.stats.answered(r.status, verdict === 'success', actions, r.seconds);
      if (verdict === 'success') {
        this.consecutive = 0;
        await queue.ack(c.name, batch);
        this.stats.delivered(batch.map((e) => e.enqueuedAt), attempts - 1, clock.now());
        this.refresh();
        return;
      }
      const message = r.status === undefined ? `${r.error?.name ?? 'Error'}: ${r.error?.message ?? 'no answer'}` : statusText(r.status);
      if (verdict === 'dead' || attempts >= c.maxAttempts) {
        const kind = verdict !== 'dead' ? 'attempts' : r.permanent === true ? 'request' : 'status';
        if (verdict === 'dead') this.consecutive = 0;
        else this.consecutive++;
        await queue.deadLetter(c.name, batch, r.status === undefined ? { kind, message, attempts } : { kind, status: r.status, message, attempts });
        this.stats.lost(batch.length, attempts - 1, kind);
        this.refresh();
        return;
      }
      this.consecutive++;
      const after = r.status === 429 || r.status === 503 ? parseRetryAfter(r.retryAfter, clock.now()) : undefined;
      const wait = retryWait(c, this.consecutive, this.ctx.random, after);
      if (wait > 0 && !signal.aborted) await sleep(clock, wait, signal);
      if (signal.aborted) {
        await queue.release(c.name, batch);
        return;
      }
    }
  }

  /** The endpoint as `/debug/vars` shows it: name, url (no credentials), configuration (no secrets), Metrics. */
  vars(): EndpointVars {
    this.refresh();
    return { name: this.config.name, url: publicUrl(this.config.url), ...publicConfig(this.config), Metrics: this.stats.read() };
  }

  /**
   * Stops the sender: a wait is cut short and its batch released; a request under way is
   * allowed to finish (bounded by `timeout`) and settled as usual.
   */
  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
    this.sink.close();
  }
}
