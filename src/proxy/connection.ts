/**
 * One proxied connection: a client socket and a backend socket joined by two `pipe()`s.
 *
 * Accounting does no work per chunk. The bytes a connection has delivered are read from the
 * sockets themselves (`bytesWritten − writableLength`: what the kernel accepted on the
 * destination socket) when the owner samples it (once a rate tick) and once more when the
 * connection closes, so the totals are exact on every close path: normal, half-closed, reset,
 * timed out. Directions, as gobetween: `rx` is read from the backend and written to the
 * client; `tx` is read from the client and written to the backend.
 */
import type { Socket } from 'node:net';

/** Why a connection ended (for logs and tests). */
export type CloseReason = 'done' | 'client_error' | 'backend_error' | 'client_idle' | 'backend_idle' | 'connect_timeout' | 'shutdown';

/** Timeouts of a connection, ms; 0: none. */
export interface ConnectionTimeouts {
  /** Until the backend accepts the connection. */
  connect: number;
  /** With no traffic from or to the client. */
  clientIdle: number;
  /** With no traffic from or to the backend. */
  backendIdle: number;
}

/**
 * Resets `s` (RST, not FIN: the peer must not take a broken stream for a complete one). A
 * socket still connecting is destroyed instead: Node's `resetAndDestroy()` waits for the
 * connect to finish first, and a backend that never answers would hold the socket (and the
 * connection) until the kernel gives up, minutes later.
 */
function reset(s: Socket): void {
  if (s.connecting) s.destroy();
  else s.resetAndDestroy();
}

/** Bytes a socket has handed to the kernel. */
function delivered(s: Socket): number {
  // bytesWritten counts buffered bytes too; writableLength is what is still buffered
  return s.bytesWritten - s.writableLength;
}

/**
 * Joins `client` and `backend` (already connecting). `onClose` runs once, after both
 * sockets closed, with the reason; `onConnect` when the backend accepted.
 */
export class ProxiedConnection {
  /** rx bytes already reported by {@link ProxiedConnection.sample}. */
  private rxSeen = 0;
  /** tx bytes already reported. */
  private txSeen = 0;
  private reason: CloseReason | null = null;
  private closed = 0;
  private connectTimer: NodeJS.Timeout | null = null;
  /** True once the backend accepted the connection. */
  connected = false;

  constructor(
    readonly client: Socket,
    readonly backend: Socket,
    /** Bytes written to the backend before the client's data (a PROXY protocol header): not tx. */
    private readonly preamble: number,
    timeouts: ConnectionTimeouts,
    private readonly onConnect: (c: ProxiedConnection) => void,
    private readonly onClose: (c: ProxiedConnection, reason: CloseReason, connected: boolean) => void,
  ) {
    if (timeouts.connect > 0) {
      this.connectTimer = setTimeout(() => this.abort('connect_timeout'), timeouts.connect);
      // a pending connect does not keep the process alive: the server's listener does
      this.connectTimer.unref();
    }
    backend.once('connect', () => {
      if (this.connectTimer !== null) clearTimeout(this.connectTimer);
      this.connected = true;
      if (timeouts.backendIdle > 0) backend.setTimeout(timeouts.backendIdle, () => this.abort('backend_idle'));
      this.onConnect(this);
    });
    if (timeouts.clientIdle > 0) client.setTimeout(timeouts.clientIdle, () => this.abort('client_idle'));
    // An error on one side resets the other: the peer learns the stream broke, instead of
    // taking a truncated stream for a complete one.
    client.on('error', () => this.fail('client_error', backend));
    backend.on('error', () => this.fail('backend_error', client));
    client.on('close', () => this.sideClosed());
    backend.on('close', () => this.sideClosed());
    // half-close: `end` on one side ends the other after its buffered data (allowHalfOpen)
    client.pipe(backend);
    backend.pipe(client);
  }

  /** Bytes delivered since the last sample, each way; advances the sample point. */
  sample(): { rx: number; tx: number } {
    const rx = delivered(this.client);
    const tx = Math.max(0, delivered(this.backend) - this.preamble);
    const out = { rx: rx - this.rxSeen, tx: tx - this.txSeen };
    this.rxSeen = rx;
    this.txSeen = tx;
    return out;
  }

  /** Closes both sides now (shutdown after the grace period, or a timeout). */
  abort(reason: CloseReason): void {
    this.reason ??= reason;
    reset(this.client);
    reset(this.backend);
  }

  private fail(reason: CloseReason, other: Socket): void {
    this.reason ??= reason;
    if (!other.destroyed) reset(other);
  }

  private sideClosed(): void {
    if (++this.closed < 2) return;
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.onClose(this, this.reason ?? 'done', this.connected);
  }
}
