/**
 * JetStream's pull protocol, spoken directly: the official client's `fetch()` waits at least
 * one second for a batch to fill, but a {@link NotifyQueue.take} must not wait, so a take asks
 * the consumer for `{batch, no_wait: true}` (the server answers what it has, then a 404 status)
 * and a worker waiting for events asks for `{batch, expires}` (a long poll, ended by a 408
 * status when it expires). Acks are the protocol's own replies to a message's `$JS.ACK…`
 * subject: `+ACK` sent as a request (the server confirms it: the ack is stored), `-NAK`
 * (redeliver now), `+WPI` (still working: the ack-wait starts again).
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { createInbox } from '@nats-io/transport-node';
import { ErrorCode, MeterkitError } from '../core/errors.js';

/** A message delivered by a pull, leased to this process until acked, nak'ed or its ack-wait passes. */
export interface PulledMsg {
  /** The stream sequence. */
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  /** The ack subject. */
  readonly reply: string;
  /** When the stream stored it, ms since the Unix epoch. */
  readonly storedAt: number;
}

/** Slack past a pull's own expiry before it counts as lost (a server gone mid-pull). */
const PULL_SLACK_MS = 5000;

/**
 * Delivery info from an ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ns>.<pending>`
 * (v1), or the v2 form with a domain and an account hash after `ACK` and a token at the end.
 */
function parseAck(reply: string): { seq: number; storedAt: number } | undefined {
  const t = reply.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK') return undefined;
  const at = t.length === 9 ? 5 : t.length >= 12 ? 7 : -1;
  if (at < 0) return undefined;
  const seq = Number(t[at]);
  const ns = t[at + 2] ?? '';
  if (!Number.isSafeInteger(seq) || !/^\d+$/.test(ns)) return undefined;
  return { seq, storedAt: Number(BigInt(ns) / 1_000_000n) };
}

/**
 * Pulls up to `batch` messages from a durable (or ephemeral) consumer: without `expiresMs`
 * only what is there now, else waiting up to `expiresMs` for more. Calls `onMsg` for each as it
 * arrives; resolves once the pull has ended.
 * @throws MeterkitError `ERR_METERKIT_NOTIFY_QUEUE` when the server refuses (no such consumer,
 *   JetStream off) or does not answer in time.
 */
export function pull(nc: NatsConnection, stream: string, consumer: string, batch: number, expiresMs: number | undefined, onMsg: (m: PulledMsg) => void): Promise<void> {
  const inbox = createInbox();
  const request = expiresMs === undefined ? { batch, no_wait: true } : { batch, expires: expiresMs * 1_000_000 };
  return new Promise((resolve, reject) => {
    let got = 0;
    const end = (err?: Error): void => {
      clearTimeout(timer);
      sub.unsubscribe();
      if (err === undefined) resolve();
      else reject(err);
    };
    const fail = (why: string, cause?: unknown): MeterkitError => new MeterkitError(ErrorCode.NotifyQueue, `pulling from JetStream consumer ${stream}/${consumer} failed: ${why}`, { cause });
    const sub = nc.subscribe(inbox, {
      callback: (err: Error | null, m: Msg) => {
        if (err !== null) return end(fail(err.message, err));
        const code = m.headers?.code ?? 0;
        if (code !== 0) {
          // 404 no messages, 408 expired: the pull is over; 409 (consumer deleted, too many
          // waiting pulls) and 503 (no JetStream) are failures
          if (code === 404 || code === 408 || (code === 409 && /exceeded max(bytes|batch)/i.test(m.headers?.description ?? ''))) return end();
          return end(fail(`${code} ${m.headers?.description ?? ''}`.trim()));
        }
        const info = parseAck(m.reply ?? '');
        if (info === undefined) return end(fail(`a message without JetStream delivery info (reply ${JSON.stringify(m.reply)})`));
        onMsg({ seq: info.seq, subject: m.subject, data: m.data, reply: m.reply as string, storedAt: info.storedAt });
        if (++got >= batch) end();
      },
    });
    // A long poll whose 408 never came (nats-server 2.9 may not send it for a request that got
    // part of its batch, and sends it late under load) has simply ended: what arrived is kept
    // and the caller polls again. A no-wait pull must be answered at once: silence is a failure.
    const timer = setTimeout(
      () => (expiresMs !== undefined && !nc.isClosed() ? end() : end(fail(`no answer within ${(expiresMs ?? 0) + PULL_SLACK_MS} ms`))),
      (expiresMs ?? 0) + PULL_SLACK_MS,
    );
    timer.unref();
    try {
      nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify(request), { reply: inbox });
    } catch (err) {
      end(fail(err instanceof Error ? err.message : String(err), err));
    }
  });
}

/** Acks messages and resolves once the server confirmed every ack (they are removed from a work-queue stream). */
export async function ackAll(nc: NatsConnection, msgs: readonly PulledMsg[], timeoutMs: number): Promise<void> {
  try {
    await Promise.all(msgs.map((m) => nc.request(m.reply, '+ACK', { timeout: timeoutMs })));
  } catch (err) {
    throw new MeterkitError(ErrorCode.NotifyQueue, `JetStream did not confirm the ack of ${msgs.length} events: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Sends `-NAK` (redeliver now) or `+WPI` (in progress: restart the ack-wait) for each message; fire and forget. */
export function signal(nc: NatsConnection, msgs: readonly PulledMsg[], what: '-NAK' | '+WPI'): void {
  if (nc.isClosed()) return;
  for (const m of msgs) nc.publish(m.reply, what);
}
