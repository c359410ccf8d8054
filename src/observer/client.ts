import { EventEmitter } from 'node:events';
import { lookup } from 'node:dns/promises';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { checkDuration } from '../core/options.js';
import type { StreamEvent } from './decode.js';
import { StreamDecoder } from './decode.js';
import { formatWithUnit } from './state.js';

/** Default wait between connection attempts (ms). */
export const RETRY_MS = 3000;
/** Default time one connection attempt may take before it counts as failed (ms). */
export const CONNECT_TIMEOUT_MS = 5000;

/** Options of a {@link StreamClient}. Durations in ms, checked like every duration (core/options.ts). */
export interface StreamClientOptions {
  /** Wait between connection attempts. Default {@link RETRY_MS} (3 s). */
  retryMs?: number;
  /**
   * How long connecting to one address may take (a host that drops the SYN, a listener whose
   * backlog is full) before the next address is tried. Default {@link CONNECT_TIMEOUT_MS} (5 s).
   */
  connectTimeoutMs?: number;
}

/** Events a StreamClient emits. */
export interface StreamClientEvents {
  connected: [address: string];
  disconnected: [reason: string];
  event: [event: StreamEvent];
}

/** An interval as the observer prints it: `3s`, `250ms`. */
export function formatInterval(ms: number): string {
  return formatWithUnit(ms, 'milliseconds');
}

/**
 * A stream client that keeps trying: after a failure (refused, timed out, closed, garbage) it
 * waits `retryMs` and tries every address the host resolves to, in order, until one answers;
 * an address that does not answer within `connectTimeoutMs` counts as failed.
 * Garbage on the wire is reported through `disconnected` and the connection is dropped.
 */
export class StreamClient extends EventEmitter<StreamClientEvents> {
  /** Wait between connection attempts (ms). */
  readonly retryMs: number;
  /** Longest wait for one connection attempt (ms). */
  readonly connectTimeoutMs: number;
  /** The socket connected or connecting now. */
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly decoder = new StreamDecoder();
  /** True while connected. */
  connected = false;

  /** @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` on a bad duration. */
  constructor(
    readonly host: string,
    readonly port: number,
    options: StreamClientOptions = {},
  ) {
    super();
    this.retryMs = checkDuration('retry interval', options.retryMs ?? RETRY_MS);
    this.connectTimeoutMs = checkDuration('connect timeout', options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
  }

  /** Starts connecting (and reconnecting). */
  start(): void {
    void this.attempt();
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    let addresses: string[];
    try {
      addresses = (await lookup(this.host, { all: true })).map((a) => a.address);
    } catch (err) {
      this.fail(`cannot resolve ${this.host}: ${(err as Error).message}`);
      return;
    }
    const errors: string[] = [];
    for (const address of addresses) {
      if (this.stopped) return;
      try {
        this.use(await this.tryOne(address), address);
        return;
      } catch (err) {
        errors.push(`${address}: ${(err as Error).message}`);
      }
    }
    this.fail(errors.join('; ') || `no address for ${this.host}`);
  }

  /** Connects to one address; rejects with the reason when it fails or takes too long. */
  private tryOne(address: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: address, port: this.port });
      this.socket = s; // close() ends a connect in progress too
      // the socket's own idle timer (unref'd by Node) runs from creation: while connecting, it
      // is the connect timeout; cleared once connected, where silence is normal
      s.setTimeout(this.connectTimeoutMs, () => s.destroy(new Error(`no connection within ${formatInterval(this.connectTimeoutMs)} (connect timeout)`)));
      const failed = (err: Error): void => reject(err);
      // destroyed without an error (close()): settle instead of leaving attempt() waiting
      const closed = (): void => reject(new Error('closed while connecting'));
      s.once('error', failed);
      s.once('close', closed);
      s.once('connect', () => {
        s.setTimeout(0);
        s.off('error', failed);
        s.off('close', closed);
        resolve(s);
      });
    });
  }

  private use(socket: Socket, address: string): void {
    this.connected = true;
    this.decoder.reset();
    this.emit('connected', `${address}:${this.port}`);
    let reason = 'connection closed by the exporter';
    socket.on('data', (chunk: Buffer) => {
      let events: StreamEvent[];
      try {
        events = this.decoder.push(chunk);
      } catch (err) {
        reason = `garbage on the stream (${(err as Error).message}); dropped the connection`;
        socket.destroy();
        return;
      }
      for (const e of events) this.emit('event', e);
    });
    socket.on('error', (err) => {
      reason = err.message;
    });
    socket.on('close', () => {
      this.socket = null;
      this.connected = false;
      this.fail(reason);
    });
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.socket = null;
    this.emit('disconnected', reason);
    // not unref'd: a client that keeps trying keeps the process alive while disconnected, as its
    // socket does while connected (`meterkit observe` must not exit when the exporter is down);
    // close() clears it
    this.timer = setTimeout(() => void this.attempt(), this.retryMs);
  }

  /** Stops for good: no more attempts; the connection (or the connect in progress) is closed. */
  /** Stops: no more retries; the connection (or a connect in progress) ends. Resolves once its socket closed. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const s = this.socket;
    if (s === null || s.closed) return;
    const done = new Promise<void>((resolve) => s.once('close', () => resolve()));
    s.destroy();
    await done;
  }
}
