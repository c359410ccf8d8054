/** A real Prometheus server scraping one target, for end-to-end tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireTools, startProcess, tempDir, waitFor } from './tools.js';

/** An instant-query result. */
export type QueryResult = Array<{ metric: Record<string, string>; value: [number, string] }>;

/** A running Prometheus. */
export interface RunningPrometheus {
  /** Runs an instant query; undefined when the result is empty. */
  query(q: string): Promise<QueryResult | undefined>;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `target` (host:port) as `job` and waits until it is ready. */
export async function startPrometheus(target: string, job: string, scrape: { interval: string; timeout: string }): Promise<RunningPrometheus> {
  requireTools('prometheus');
  const tmp = tempDir('prometheus');
  const config = join(tmp.dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: ${scrape.interval}\n  scrape_timeout: ${scrape.timeout}\nscrape_configs:\n  - job_name: ${job}\n    static_configs:\n      - targets: ['${target}']\n`);
  const url = `http://127.0.0.1:${await freePort()}`;
  const prom = startProcess('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(tmp.dir, 'data')}`, `--web.listen-address=${new URL(url).host}`]);
  try {
    await waitFor(async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), 30_000, `prometheus ready: ${prom.output().slice(-2000)}`);
  } catch (err) {
    await prom.stop();
    tmp.remove();
    throw err;
  }
  return {
    query: async (q) => {
      const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: QueryResult } };
      return r.data.result.length > 0 ? r.data.result : undefined;
    },
    stop: async () => {
      await prom.stop();
      tmp.remove();
    },
  };
}
