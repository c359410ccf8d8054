/**
 * A real node:cluster primary for tests: `forkWorkers(script, n)` forks `n` workers running the
 * compiled script next to the calling test (`new URL('./x-worker.js', import.meta.url)`), and
 * `stopWorkers()` kills the ones still alive and waits for their exit (call it in after()).
 * One place for the setup the cluster tests share; node:cluster has one primary per process, so
 * a test file uses one set at a time.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';

export interface ClusterWorkers {
  readonly workers: Worker[];
  /** Forks `n` workers of `script` (default: wait for each to be online before the next). */
  fork(script: URL, n?: number, options?: { online?: boolean; silent?: boolean }): Promise<Worker[]>;
  /** Kills every worker still alive and resolves when all have exited. */
  stop(): Promise<void>;
}

export function clusterWorkers(): ClusterWorkers {
  const workers: Worker[] = [];
  return {
    workers,
    async fork(script, n = 1, options = {}) {
      cluster.setupPrimary({ exec: fileURLToPath(script), silent: options.silent ?? false });
      const made: Worker[] = [];
      for (let i = 0; i < n; i++) {
        const w = cluster.fork();
        workers.push(w);
        made.push(w);
        if (options.online !== false) await new Promise<void>((resolve) => w.once('online', () => resolve()));
      }
      return made;
    },
    async stop() {
      await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
        if (w.isDead()) return resolve();
        w.once('exit', () => resolve());
        w.kill();
      })));
    },
  };
}

/** Resolves once `w` has sent `n` messages that `match` accepts. */
export function messagesFrom(w: Worker, n: number, match: (m: Record<string, unknown>) => boolean = () => true): Promise<void> {
  return new Promise<void>((resolve) => {
    let seen = 0;
    const on = (m: Record<string, unknown>): void => {
      if (!match(m) || ++seen < n) return;
      w.off('message', on);
      resolve();
    };
    w.on('message', on);
  });
}
