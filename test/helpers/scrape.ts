/** HTTP helpers for scrape tests: a plain GET that collects the whole body. */
import { request } from 'node:http';

/** A whole HTTP reply. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends one request and resolves with the whole reply (body not decoded). */
export function scrape(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A GET (or `init.method`) with the whole reply: `scrape` with the options spelled as an object. */
export function get(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return scrape(url, init.headers, init.method);
}

/** The Accept header Prometheus 2.x sends. */
export const PROMETHEUS_2_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** The Accept header Prometheus 3.x sends by default. */
export const PROMETHEUS_3_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';
