/**
 * Real remote-write receivers for end-to-end tests: Prometheus (with its receiver enabled) and
 * VictoriaMetrics, each on a port of its own (neither reports a port 0) with storage in a
 * temporary directory. `stop()` and `start()` again keep the port and the data: an outage.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireTools, startProcess, tempDir, waitFor } from './tools.js';

/** Which receiver. */
export type ReceiverKind = 'prometheus' | 'victoria-metrics';

/** One stored series with its raw samples, oldest first. */
export interface StoredSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** A receiver that can be stopped and started again. */
export interface Receiver {
  readonly kind: ReceiverKind;
  /** Its remote-write URL. */
  readonly writeUrl: string;
  /** Raw samples of the series `selector` matches (a PromQL series selector), from the last hour. */
  series(selector: string): Promise<StoredSeries[]>;
  /** Stops the process (data kept). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, and waits until it is ready. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  remove(): Promise<void>;
}

/** Starts a receiver and waits until it is ready. */
export async function startReceiver(kind: ReceiverKind): Promise<Receiver> {
  requireTools(kind === 'prometheus' ? 'prometheus' : 'victoria-metrics');
  const tmp = tempDir(kind);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let args: string[];
  let ready: string;
  if (kind === 'prometheus') {
    const config = join(tmp.dir, 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 1h\n');
    args = [`--config.file=${config}`, `--storage.tsdb.path=${join(tmp.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver'];
    ready = `${base}/-/ready`;
  } else {
    // latencyOffset 0: VictoriaMetrics otherwise hides the last 30 s from queries
    args = [`-storageDataPath=${join(tmp.dir, 'data')}`, `-httpListenAddr=127.0.0.1:${port}`, '-search.latencyOffset=0s', '-search.disableCache'];
    ready = `${base}/health`;
  }
  let proc: ReturnType<typeof startProcess> | null = null;
  const start = async (): Promise<void> => {
    const p = (proc = startProcess(kind, args));
    await waitFor(async () => ((await fetch(ready)).ok ? true : undefined), 30_000, `${kind} ready: ${p.output().slice(-2000)}`);
  };
  const stop = async (): Promise<void> => {
    await proc?.stop();
    proc = null;
  };
  try {
    await start();
  } catch (err) {
    await stop();
    tmp.remove();
    throw err;
  }
  return {
    kind,
    writeUrl: `${base}/api/v1/write`,
    start,
    stop,
    remove: async () => {
      await stop();
      tmp.remove();
    },
    series: async (selector) => {
      if (kind === 'prometheus') {
        const r = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(`${selector}[1h]`)}`)).json()) as {
          data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
        };
        return r.data.result.map((s) => ({ metric: s.metric, values: s.values.map(([, v]) => Number(v)), timestamps: s.values.map(([t]) => Math.round(t * 1000)) }));
      }
      await fetch(`${base}/internal/force_flush`);
      const text = await (await fetch(`${base}/api/v1/export?match[]=${encodeURIComponent(selector)}&start=${Math.floor(Date.now() / 1000) - 3600}`)).text();
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as StoredSeries);
    },
  };
}
