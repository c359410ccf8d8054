/**
 * The page and its assets, served from the installed package: nothing comes from a CDN. The
 * page's own files live in `src/dashboard/assets/` (shipped in the package); the charts are
 * uPlot's own minified build, resolved from the `uplot` dependency. Each file is read and
 * gzipped once, on first request, and kept (they are small and never change while running).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { acceptsGzip } from '../http/negotiate.js';
import { allowMethods } from '../http/health.js';
import type { Handler } from '../http/server.js';

/** The prefix the page's assets are served under. */
export const DASHBOARD_ASSETS_BASE = '/dashboard';

const OWN = fileURLToPath(new URL('../../../src/dashboard/assets/', import.meta.url));
const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Asset name (under {@link DASHBOARD_ASSETS_BASE}) → file; `index.html` is served at `/`. */
function files(): Record<string, string> {
  return {
    'index.html': `${OWN}index.html`,
    'app.js': `${OWN}app.js`,
    'app.css': `${OWN}app.css`,
    'lib.js': `${OWN}lib.js`,
    'views.js': `${OWN}views.js`,
    'explorer.js': `${OWN}explorer.js`,
    'uPlot.iife.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
    'uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
  };
}

interface Asset {
  type: string;
  raw: Buffer;
  gz: Buffer;
}

let cache: Map<string, Asset> | null = null;

/**
 * Every asset the page loads, read and gzipped.
 * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` when a file is missing from the package.
 */
export function dashboardAssets(): ReadonlyMap<string, Asset> {
  if (cache !== null) return cache;
  const m = new Map<string, Asset>();
  for (const [name, path] of Object.entries(files())) {
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch (err) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `dashboard asset "${name}" missing at ${path}: ${(err as Error).message}`, { cause: err });
    }
    m.set(name, { type: TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream', raw, gz: gzipSync(raw, { level: 9 }) });
  }
  cache = m;
  return m;
}

/** Bytes the page loads, gzipped (what README states and a test bounds). */
export function dashboardGzipBytes(): number {
  let n = 0;
  for (const a of dashboardAssets().values()) n += a.gz.length;
  return n;
}

/** Serves `/` (the page) and `/dashboard/NAME` (its assets). */
export function createAssetsHandler(): Handler {
  return (req, res) => {
    if (!allowMethods(req, res)) return;
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    const name = path === '/' ? 'index.html' : path.slice(DASHBOARD_ASSETS_BASE.length + 1);
    const a = dashboardAssets().get(name);
    if (a === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const gz = acceptsGzip(req.headers['accept-encoding']);
    const body = gz ? a.gz : a.raw;
    res.writeHead(200, {
      'Content-Type': a.type,
      'Content-Length': body.length,
      // the page is tied to this agent's version; revalidate rather than keep a stale copy
      'Cache-Control': 'no-cache',
      Vary: 'Accept-Encoding',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      ...(gz ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
