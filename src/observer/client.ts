import { EventEmitter } from 'node:events';
import { lookup } from 'node:dns/promises';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import type { StreamEvent } from './decode.js';
import { StreamDecoder } from './decode.js';

/** Default wait between connection attempts. */
export const RETRY_MS = 3000;

/** Events a StreamClient emits. */
export interface StreamClientEvents {
  connected: [address: string];
  disconnected: [reason: string];
  event: [event: StreamEvent];
}

/**
 * A stream client that keeps trying: after a failure (refused, closed, garbage) it waits
 * `retryMs` and tries every address the host resolves to, in order, until one answers.
 * Garbage on the wire is reported through `disconnected` and the connection is dropped.
 */
export class StreamClient extends EventEmitter<StreamClientEvents> {
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly decoder = new StreamDecoder();
  /** True while connected. */
  connected = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly retryMs = RETRY_MS,
  ) {
    super();
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
      const socket = await this.tryOne(address).catch((err: Error) => {
        errors.push(`${address}: ${err.message}`);
        return null;
      });
      if (socket !== null) {
        this.use(socket, address);
        return;
      }
    }
    this.fail(errors.join('; ') || `no address for ${this.host}`);
  }

  private tryOne(address: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: address, port: this.port });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  private use(socket: Socket, address: string): void {
    this.socket = socket;
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
    this.emit('disconnected', reason);
    this.timer = setTimeout(() => void this.attempt(), this.retryMs);
  }

  /** Stops for good. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.socket?.destroy();
  }
}
