import { parseHostPort } from '../core/address.js';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { getGlobalRecorder, hasGlobalRecorder, setGlobalRecorder } from '../core/facade.js';
import { FanoutRecorder } from '../core/layers/fanout.js';
import type { Recorder } from '../core/recorder.js';
import { TcpRecorder } from './recorder.js';

/** Default listen address of the stream. */
export const DEFAULT_STREAM_ADDRESS = '127.0.0.1:5000';
/** Default events held by the ingress buffer and by each client queue. */
export const DEFAULT_BUFFER_SIZE = 1024;

/** Builds a {@link TcpRecorder}: `new TcpBuilder().listenAddress('127.0.0.1:5000').bufferSize(1024).build()`. */
export class TcpBuilder {
  private host = '127.0.0.1';
  private port = 5000;
  private size: number | null = DEFAULT_BUFFER_SIZE;
  private self: Recorder | undefined;

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
    if (size !== null && (!Number.isInteger(size) || size < 1)) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `invalid buffer size ${describeValue(size)}: it must be a whole number ≥ 1, or null for unbounded`);
    }
    this.size = size;
    return this;
  }

  /** Report drops and connected clients into this recorder (e.g. the agent's Registry). */
  selfMetrics(recorder: Recorder): this {
    this.self = recorder;
    return this;
  }

  /** Starts listening; resolves to the recorder once it does. */
  async build(): Promise<TcpRecorder> {
    const r = new TcpRecorder({ host: this.host, port: this.port, bufferSize: this.size, selfMetrics: this.self });
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
