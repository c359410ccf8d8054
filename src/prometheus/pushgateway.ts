import { checkDuration } from '../core/options.js';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';
import { validateLabelName } from '../core/labels.js';
import { PROMETHEUS_CONTENT_TYPE } from './format.js';
import type { CollectingSource } from './handler.js';
import { render } from './render.js';

/** Where and how to push. */
export interface PushOptions {
  /** Pushgateway base URL, e.g. `http://127.0.0.1:9091`. */
  url: string;
  /** The `job` grouping label. */
  job: string;
  /** More grouping labels (`instance`, …). */
  grouping?: Readonly<Record<string, string>>;
  /** `PUT` replaces the whole group (default); `POST` replaces only metrics of the same name. */
  method?: 'PUT' | 'POST';
  /** Request timeout in ms. Default 10 000. */
  timeout?: number;
  /** Extra request headers (e.g. Authorization). */
  headers?: Readonly<Record<string, string>>;
}

function segment(name: string, value: string): string {
  // Values with "/" (or empty) travel base64url-encoded, as the Pushgateway API defines.
  if (value === '' || value.includes('/')) {
    const b64 = Buffer.from(value, 'utf8').toString('base64url');
    return `${name}@base64/${b64 === '' ? '=' : b64}`;
  }
  return `${name}/${encodeURIComponent(value)}`;
}

/** The group URL `…/metrics/job/<job>/<label>/<value>…`. */
export function groupUrl(options: Pick<PushOptions, 'url' | 'job' | 'grouping'>): string {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch (err) {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid pushgateway url ${describeValue(options.url)}: it must be an absolute http(s) URL`, { cause: err });
  }
  if (typeof options.job !== 'string' || options.job === '') {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid job ${describeValue(options.job)}: a job name must be a non-empty string`);
  }
  let path = `${base.pathname.replace(/\/$/, '')}/metrics/${segment('job', options.job)}`;
  for (const [k, v] of Object.entries(options.grouping ?? {})) {
    validateLabelName(k);
    if (typeof v !== 'string') throw new MeterkitError(ErrorCode.InvalidLabelValue, `invalid grouping value ${describeValue(v)} for "${k}": it must be a string`);
    path += `/${segment(k, v)}`;
  }
  base.pathname = path;
  return base.toString();
}

async function send(method: string, options: PushOptions, body?: string): Promise<void> {
  const url = groupUrl(options);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      body,
      headers: { ...(body === undefined ? {} : { 'Content-Type': PROMETHEUS_CONTENT_TYPE }), ...options.headers },
      signal: AbortSignal.timeout(options.timeout === undefined ? 10_000 : checkDuration('push timeout', options.timeout)),
    });
  } catch (err) {
    throw new MeterkitError(ErrorCode.Push, `${method} ${url} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!res.ok) {
    let detail: string;
    try {
      detail = (await res.text()).slice(0, 500).trim();
    } catch (err) {
      // the status is the failure; say also why its explanation is missing
      detail = `(the reply body could not be read: ${err instanceof Error ? err.message : String(err)})`;
    }
    throw new MeterkitError(ErrorCode.Push, `${method} ${url} answered ${res.status}: ${detail}`);
  }
  // Read to the end only to free the connection for reuse. The 2xx status has already decided
  // that the push succeeded; the gateway's body carries nothing (it is empty), so an error while
  // draining it (the gateway closing after answering) says nothing about the push.
  await res.arrayBuffer().catch(() => undefined);
}

/** Runs the source's collectors and pushes everything to the group, in text format 0.0.4. */
export async function push(source: CollectingSource, options: PushOptions): Promise<void> {
  const method = options.method ?? 'PUT';
  if (method !== 'PUT' && method !== 'POST') {
    throw new MeterkitError(ErrorCode.InvalidArgument, `invalid push method ${describeValue(method)}: use PUT or POST`);
  }
  await source.collect?.();
  await send(method, options, render(source, { format: 'prometheus' }));
}

/** Deletes the whole group from the Pushgateway. */
export async function deleteGroup(options: Omit<PushOptions, 'method'>): Promise<void> {
  await send('DELETE', options);
}

/** Options of {@link startPushing}. */
export interface IntervalPushOptions extends PushOptions {
  /** Milliseconds between pushes. */
  interval: number;
  /** Hears of every failed push (the loop goes on). Default: a line on stderr. */
  onError?: (err: unknown) => void;
  /** Delete the group when stopped. Default false. */
  deleteOnStop?: boolean;
}

/** A running interval push; `close()` stops it after a final push. */
export interface PushLoop {
  /** Pushes now (outside the schedule). */
  pushNow(): Promise<void>;
  close(): Promise<void>;
}

/** Pushes every `interval` ms until closed; a last push (or delete) on close. */
export function startPushing(source: CollectingSource, options: IntervalPushOptions): PushLoop {
  checkDuration('push interval', options.interval);
  if (options.timeout !== undefined) checkDuration('push timeout', options.timeout);
  groupUrl(options);
  const onError = options.onError ?? ((err: unknown) => process.stderr.write(`meterkit: push failed: ${String(err)}\n`));
  let inflight: Promise<void> = Promise.resolve();
  const once = (): Promise<void> => {
    inflight = inflight.then(() => push(source, options)).catch(onError);
    return inflight;
  };
  const timer = setInterval(() => void once(), options.interval);
  timer.unref();
  return {
    pushNow: once,
    close: async () => {
      clearInterval(timer);
      await inflight;
      if (options.deleteOnStop) await deleteGroup(options).catch(onError);
      else await once();
    },
  };
}
