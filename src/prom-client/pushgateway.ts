import type { IncomingMessage, RequestOptions } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { register } from './registry.js';

/** What a Pushgateway pushes: a registry's exposition. */
interface Exposing {
  metrics(): Promise<string>;
}

/** `pushAdd`/`push`/`delete` parameters. */
export interface PushParameters {
  jobName?: string;
  groupings?: Readonly<Record<string, string>>;
}

/** Options: prom-client's `requireJobName` plus Node request options (`headers`, `timeout`, `agent`, …). */
export type PushgatewayOptions = RequestOptions & { requireJobName?: boolean };

/**
 * prom-client's `Pushgateway`: `pushAdd` (POST: replaces the pushed metrics of the same names),
 * `push` (PUT: replaces the group), `delete` (DELETE: removes the group). Resolves with the
 * response and its body; rejects on a status ≥ 400, a network error or a `timeout`.
 */
export class Pushgateway {
  private readonly requireJobName: boolean;
  private readonly requestOptions: RequestOptions;

  constructor(
    readonly gatewayUrl: string,
    options: PushgatewayOptions = {},
    readonly registry: Exposing = register,
  ) {
    const { requireJobName = true, ...rest } = options;
    this.requireJobName = requireJobName;
    this.requestOptions = rest;
  }

  pushAdd(params: PushParameters = {}): Promise<{ resp: IncomingMessage; body: string }> {
    this.check(params);
    return this.send('POST', params);
  }

  push(params: PushParameters = {}): Promise<{ resp: IncomingMessage; body: string }> {
    this.check(params);
    return this.send('PUT', params);
  }

  delete(params: PushParameters = {}): Promise<{ resp: IncomingMessage; body: string }> {
    this.check(params);
    return this.send('DELETE', params);
  }

  /** prom-client throws this one synchronously, before any request. */
  private check(params: PushParameters): void {
    if (this.requireJobName && !params.jobName) throw new MeterkitError(ErrorCode.Push, 'Missing jobName parameter');
  }

  /** The group's URL: the gateway's path, `/metrics`, then `/job/<job>` and `/<label>/<value>` pairs. */
  private target(params: PushParameters): URL {
    const base = new URL(this.gatewayUrl);
    const prefix = base.pathname === '/' ? '' : base.pathname;
    let path = `${prefix}/metrics`;
    if (params.jobName) {
      path += `/job/${encodeURIComponent(params.jobName)}`;
      for (const [k, v] of Object.entries(params.groupings ?? {})) path += `/${encodeURIComponent(k)}/${encodeURIComponent(v)}`;
    }
    return new URL(path, base);
  }

  private async send(method: 'POST' | 'PUT' | 'DELETE', params: PushParameters): Promise<{ resp: IncomingMessage; body: string }> {
    const url = this.target(params);
    const headers = { ...(this.requestOptions.headers as Record<string, string> | undefined) };
    let payload: string | Buffer | undefined;
    if (method !== 'DELETE') {
      const text = await this.registry.metrics();
      payload = headers['Content-Encoding'] === 'gzip' ? gzipSync(text) : text;
    } else {
      delete headers['Content-Encoding'];
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { ...this.requestOptions, headers, method }, (resp) => {
        let body = '';
        resp.setEncoding('utf8');
        resp.on('data', (chunk: string) => (body += chunk));
        resp.on('error', reject);
        resp.on('end', () => {
          if ((resp.statusCode ?? 0) >= 400) reject(new MeterkitError(ErrorCode.Push, `push failed with status ${resp.statusCode}, ${body}`));
          else resolve({ resp, body });
        });
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new MeterkitError(ErrorCode.Push, 'Pushgateway request timed out')));
      req.end(payload);
    });
  }
}
