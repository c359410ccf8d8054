import { parseHostPort } from '../core/address.js';
import { checkWhole } from '../core/options.js';
import type { InvalidUpdateHook } from '../core/validate.js';
import { getGlobalRecorder, hasGlobalRecorder, setGlobalRecorder } from '../core/facade.js';
import { FanoutRecorder } from '../core/layers/fanout.js';
import type { Recorder } from '../core/recorder.js';
import { TcpRecorder } from './recorder.js';

/** Default listen address of the stream. */
export const DEFAULT_STREAM_ADDRESS = '127.0.0.1:5000';
/** Default events held by the ingress buffer and by each client queue. */
export const DEFAULT_BUFFER_SIZE = 1024;
/** Default bytes held by the ingress buffer and by each client queue (4 MiB). */
export const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;
/** The smallest byte bound a stream takes: below it, ordinary events would not fit. */
export const MIN_BUFFER_BYTES = 1024;

/** Builds a {@link TcpRecorder}: `new TcpBuilder().listenAddress('127.0.0.1:5000').bufferSize(1024).build()`. */
export class TcpBuilder {
  private host = '127.0.0.1';
  private port = 5000;
  private size: number | null = DEFAULT_BUFFER_SIZE;
  private bytes: number | null = DEFAULT_BUFFER_BYTES;
  private self: Recorder | undefined;
  private onError: InvalidUpdateHook | undefined;

  /** `host:port` to listen on (default 127.0.0.1:5000; port 0 picks a free one). */
  listenAddress(address: string): this {
    const { host, port } = parseHostPort(address, 'listen address');
    this.host = host;
    this.port = port;
    return this;
  }

  /**
   * Events the ingress buffer and each client queue hold at most (default 1024). `null`:
   * unbounded — a client that stops reading then grows memory without limit.
   */
  bufferSize(size: number | null): this {
    this.size = size === null ? null : checkWhole('buffer size', size);
    return this;
  }

  /**
   * Bytes the ingress buffer and each client queue hold at most (default 4 MiB), whatever the
   * events carry. `null`: no byte bound (the event bound still applies).
   */
  bufferBytes(bytes: number | null): this {
    this.bytes = bytes === null ? null : checkWhole('buffer bytes', bytes, { min: MIN_BUFFER_BYTES });
    return this;
  }

  /** Hears of the first dropped update of each metric. Default: one process warning. */
  invalidUpdates(onError: InvalidUpdateHook): this {
    this.onError = onError;
    return this;
  }

  /** Report drops and connected clients into this recorder (e.g. the agent's Registry). */
  selfMetrics(recorder: Recorder): this {
    this.self = recorder;
    return this;
  }

  /** Starts listening; resolves to the recorder once it does. */
  async build(): Promise<TcpRecorder> {
    const r = new TcpRecorder({
      host: this.host,
      port: this.port,
      bufferSize: this.size,
      bufferBytes: this.bytes,
      selfMetrics: this.self,
      onError: this.onError,
    });
    await r.listen();
    return r;
  }

  /**
   * Builds and installs the recorder globally. When a recorder is installed already (say a
   * Registry), both get every operation: the global becomes a FanoutRecorder of the one
   * installed before and the stream.
   */
  async install(): Promise<TcpRecorder> {
    const r = await this.build();
    setGlobalRecorder(hasGlobalRecorder() ? new FanoutRecorder([getGlobalRecorder(), r]) : r);
    return r;
  }
}
