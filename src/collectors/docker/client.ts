import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { ErrorCode, MeterkitError, describeValue } from '../../core/errors.js';
import { checkDuration, checkWhole } from '../../core/options.js';
import { redactUrl } from '../../core/redact.js';

/** Highest Engine API version this client speaks; it asks for min(this, the engine's). */
export const MAX_API_VERSION = '1.43';
/** Lowest Engine API version accepted. */
export const MIN_API_VERSION = '1.24';

/** A Docker Engine API call failed. `status` is the HTTP status when the engine answered. */
export class DockerError extends MeterkitError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; code?: string },
  ) {
    super(options?.code ?? ErrorCode.Docker, message, options);
  }
}

/** Largest answers read, in bytes, by kind of call; a longer one is aborted while it arrives. */
export interface ResponseLimits {
  /** `GET /containers/json`. Default 16 MiB (tens of thousands of containers). */
  list: number;
  /** `GET /containers/{id}/json`. Default 2 MiB. */
  inspect: number;
  /** `GET /containers/{id}/stats`. Default 1 MiB. */
  stats: number;
  /** `/_ping`, `/version`, `/info`. Default 1 MiB. */
  other: number;
}

/** Default {@link ResponseLimits}. */
export const DEFAULT_RESPONSE_LIMITS: Readonly<ResponseLimits> = Object.freeze({ list: 16 << 20, inspect: 2 << 20, stats: 1 << 20, other: 1 << 20 });

/** What `/version` says about the engine (the parts used). */
export interface EngineVersion {
  Version?: string;
  ApiVersion?: string;
  KernelVersion?: string;
}

/** Where the engine is: a unix socket path, or a host and port. */
export type DockerEndpoint = { socketPath: string } | { host: string; port: number };

/**
 * Resolves the engine address: `url` if given (`unix:///path`, `tcp://host:port`,
 * `http://host:port`), else `DOCKER_HOST`, else `unix:///var/run/docker.sock` when it exists.
 */
export function resolveDockerUrl(url?: string, env: NodeJS.ProcessEnv = process.env): { url: string; endpoint: DockerEndpoint } {
  const chosen = url ?? env.DOCKER_HOST ?? (existsSync('/var/run/docker.sock') ? 'unix:///var/run/docker.sock' : undefined);
  if (chosen === undefined) {
    throw new DockerError('no Docker engine configured: pass a URL (unix:///path/docker.sock or tcp://host:port), set DOCKER_HOST, or run an engine at /var/run/docker.sock');
  }
  if (chosen.startsWith('unix://')) {
    const socketPath = chosen.slice('unix://'.length);
    if (socketPath === '') throw new MeterkitError(ErrorCode.InvalidArgument, `invalid Docker URL ${describeValue(chosen)}: unix:// needs a socket path`);
    return { url: chosen, endpoint: { socketPath } };
  }
  const m = /^(?:tcp|http):\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(chosen);
  if (!m) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid Docker URL ${describeValue(redactUrl(chosen))}: use unix:///path/to/docker.sock or tcp://host:port (no user name, password or query)`);
  }
  return { url: chosen, endpoint: { host: (m[1] as string).replace(/^\[|\]$/g, ''), port: Number(m[2]) } };
}

function versionLess(a: string, b: string): boolean {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 < b1 || (a1 === b1 && a2 < b2);
}

/** A minimal Docker Engine API client on node:http, with version negotiation and per-call timeouts. */
export class DockerClient {
  private version: string | null = null;
  /** What `/version` said at the last negotiation. */
  engine: EngineVersion = {};
  /** The calls an update makes, since creation, by kind (for the benchmark and tests). */
  readonly calls = { list: 0, inspect: 0, stats: 0 };
  private readonly limits: ResponseLimits;

  /**
   * @param timeout how long a call may stay silent (ms), checked as a duration.
   * @param limits largest answers read, by kind of call (bytes), each checked as a whole number.
   */
  constructor(
    readonly endpoint: DockerEndpoint,
    private readonly timeout = 30_000,
    limits: Partial<ResponseLimits> = {},
  ) {
    checkDuration('Docker callTimeout', timeout);
    const all = { ...DEFAULT_RESPONSE_LIMITS, ...limits };
    this.limits = {
      list: checkWhole('Docker maxResponseBytes.list', all.list),
      inspect: checkWhole('Docker maxResponseBytes.inspect', all.inspect),
      stats: checkWhole('Docker maxResponseBytes.stats', all.stats),
      other: checkWhole('Docker maxResponseBytes.other', all.other),
    };
  }

  /**
   * Raw call: resolves with status and body text. An answer longer than `limit` bytes is
   * aborted as soon as it passes the limit (nothing beyond it is held in memory).
   */
  raw(method: string, path: string, signal?: AbortSignal, limit = this.limits.other): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => reject(err instanceof DockerError ? err : new DockerError(`${method} ${path}: ${err.message}`, undefined, { cause: err }));
      const req = request(
        { ...this.endpoint, method, path, headers: { Host: 'docker' }, timeout: this.timeout, signal },
        (res) => {
          const parts: Buffer[] = [];
          let size = 0;
          res.on('data', (d: Buffer) => {
            size += d.length;
            if (size > limit) {
              req.destroy(new DockerError(`${method} ${path}: the answer is larger than the ${limit}-byte limit (maxResponseBytes); aborted while reading`, res.statusCode, { code: ErrorCode.DockerResponseTooLarge }));
              return;
            }
            parts.push(d);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
          res.on('error', fail);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeout} ms`)));
      req.on('error', fail);
      req.end();
    });
  }

  /** Negotiates the API version through `/_ping` and `/version` (once; again after `reset()`). */
  async negotiate(signal?: AbortSignal): Promise<string> {
    if (this.version !== null) return this.version;
    const ping = await this.raw('GET', '/_ping', signal);
    if (ping.status !== 200) throw new DockerError(`the engine did not answer /_ping with 200 (got ${ping.status})`, ping.status);
    const v = await this.raw('GET', '/version', signal);
    let api = MIN_API_VERSION;
    try {
      const parsed = JSON.parse(v.body) as unknown;
      this.engine = typeof parsed === 'object' && parsed !== null ? (parsed as EngineVersion) : {};
      api = typeof this.engine.ApiVersion === 'string' ? this.engine.ApiVersion : MIN_API_VERSION;
    } catch (err) {
      throw new DockerError('the engine answered /version with malformed JSON', v.status, { cause: err });
    }
    if (versionLess(api, MIN_API_VERSION)) throw new DockerError(`the engine speaks API ${api}; meterkit needs at least ${MIN_API_VERSION}`);
    this.version = versionLess(MAX_API_VERSION, api) ? MAX_API_VERSION : api;
    return this.version;
  }

  /** Forgets the negotiated version (after the engine went away). */
  reset(): void {
    this.version = null;
  }

  /** GET a versioned path and parse JSON. 404 → DockerError with status 404. */
  async get<T>(path: string, kind: keyof ResponseLimits, signal?: AbortSignal): Promise<T> {
    const v = await this.negotiate(signal);
    // `other` (/info, once per negotiation) is no part of an update's calls
    if (kind !== 'other') this.calls[kind]++;
    const res = await this.raw('GET', `/v${v}${path}`, signal, this.limits[kind]);
    if (res.status !== 200) {
      let msg = res.body.slice(0, 300).trim();
      try {
        const m = (JSON.parse(res.body) as { message?: unknown }).message;
        if (typeof m === 'string') msg = m;
      } catch {
        // not JSON: the raw text (kept above) is the reason
      }
      throw new DockerError(`GET ${path} answered ${res.status}: ${msg}`, res.status);
    }
    try {
      return JSON.parse(res.body) as T;
    } catch (err) {
      throw new DockerError(`GET ${path} answered malformed JSON`, res.status, { cause: err });
    }
  }

  /** True when the negotiated API has `one-shot` stats (1.41+). */
  get oneShot(): boolean {
    return this.version !== null && !versionLess(this.version, '1.41');
  }
}
