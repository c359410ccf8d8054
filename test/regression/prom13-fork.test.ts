/*
 * Review finding of issue #13 item 1 ("works with PM2-style setups via the same API"): the
 * worker side answers in a child_process.fork child (worker.ts names "a forked child"), but the
 * primary side has no way to ask one: ClusterAggregator.addWorker takes only a worker_threads
 * Worker and `cluster: true` asks only node:cluster workers. A process manager that forks its
 * workers itself cannot aggregate them.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ClusterAggregator } from '../../src/cluster/index.js';
import { render } from '../../src/prometheus/index.js';

describe('prom13: aggregating child_process.fork workers', () => {
  const children: ChildProcess[] = [];
  const agg = new ClusterAggregator({ cluster: false });
  after(async () => {
    await agg.close();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
  });

  it('a forked child serving its metrics can be added to a ClusterAggregator and is merged', async () => {
    const child = fork(fileURLToPath(new URL('./prom13-fork-child.js', import.meta.url)));
    children.push(child);
    await once(child, 'message'); // its "ready"
    agg.addWorker(child as never);
    await agg.collect();
    const text = await render(agg, { format: 'prometheus' });
    assert.match(text, /^forked_jobs_total 3$/m, text);
  });
});
