import { Ewma } from './rate.js';

/** A backend of a proxy server: where it is, how it is chosen, and what went through it. */
export class Backend {
  /** Whether health checks (or the absence of any) say it takes connections. */
  live: boolean;
  /** Connections open now. */
  active = 0;
  /** Connections ever accepted by the backend. */
  totalConnections = 0;
  /** Connections the backend refused or did not accept in time. */
  refusedConnections = 0;
  /** Bytes read from the backend and delivered to clients. */
  rx = 0;
  /** Bytes read from clients and delivered to the backend. */
  tx = 0;
  /** rx bytes counted since the last rate tick. */
  tickRx = 0;
  /** tx bytes counted since the last rate tick. */
  tickTx = 0;
  /** rx bytes per second (see {@link Ewma}). */
  readonly rxRate: Ewma;
  /** tx bytes per second. */
  readonly txRate: Ewma;
  /** Consecutive health check results of the same kind, for fails/passes thresholds. */
  streak = 0;
  /** True once removed from its server: counted no more, unpublished. */
  removed = false;
  /** `host:port` (`[::1]:80` for IPv6): the backend's identity and its `backend` label. */
  readonly key: string;

  constructor(
    readonly host: string,
    readonly port: number,
    /** Share of connections under the weight strategy (a reload may change it). */
    public weight: number,
    /** Lower is preferred (a reload may change it). */
    public priority: number,
    rateWindowMs: number,
    live: boolean,
  ) {
    this.live = live;
    // made once: strategies sort and hash by it on every new client
    this.key = backendKey(host, port);
    this.rxRate = new Ewma(rateWindowMs);
    this.txRate = new Ewma(rateWindowMs);
  }
}

/** The `host:port` spelling of a backend address. */
export function backendKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
