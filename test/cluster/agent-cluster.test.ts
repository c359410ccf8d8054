import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { killAgents, spawnAgent } from '../helpers/agents.js';
import { get } from '../helpers/scrape.js';
import { needs, tempDir, waitFor } from '../helpers/tools.js';
import { promtoolCheck } from '../helpers/validate.js';
import { jobsOf, observations } from '../helpers/cluster-data.js';
import { DEFAULT_RELATIVE_ACCURACY } from '../../src/core/sketch.js';

const WORKER = fileURLToPath(new URL('../helpers/cluster-worker.js', import.meta.url));
const WORKERS = 4;
const ALL_JOBS = [0, 1, 2, 3].reduce((a, s) => a + jobsOf(s), 0);

/** The value of one sample line of `text`, or undefined. */
function sample(text: string, line: string): number | undefined {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit === undefined ? undefined : Number(hit.slice(line.length + 1));
}

async function metrics(url: string): Promise<string> {
  const r = await get(`${url}/metrics`);
  assert.equal(r.status, 200);
  return r.body.toString();
}

/** Scrapes until every worker answered one scrape (a worker may be asked before it listens). */
function allAnswered(url: string): Promise<string> {
  return waitFor(async () => {
    const text = await metrics(url);
    return sample(text, 'jobs_total{queue="main"}') === ALL_JOBS ? text : undefined;
  }, 60_000, `all ${WORKERS} workers in one scrape`);
}

after(killAgents);

describe('meterkit agent --cluster (real node:cluster, 4 workers)', () => {
  it('sums counters exactly, merges sketches to the true p99, and passes promtool', async (t) => {
    const agent = await spawnAgent(['--cluster', WORKER, '--cluster-workers', String(WORKERS)]);
    t.after(() => agent.stop());
    const text = await allAnswered(agent.url);
    for (let s = 0; s < WORKERS; s++) assert.equal(sample(text, `jobs_total{queue="only_${s}"}`), 1);
    assert.equal(sample(text, 'meterkit_cluster_workers'), WORKERS);
    // the workers chose max for the gauge
    assert.equal(sample(text, 'temperature'), WORKERS);
    const all = [0, 1, 2, 3].flatMap((s) => observations(s)).sort((a, b) => a - b);
    assert.equal(sample(text, 'latency_seconds_count'), all.length);
    for (const q of [0.5, 0.9, 0.99]) {
      const truth = all[Math.floor(q * (all.length - 1))] as number;
      const merged = sample(text, `latency_seconds{quantile="${q}"}`) as number;
      assert.ok(Math.abs(merged - truth) <= DEFAULT_RELATIVE_ACCURACY * truth + 1e-12, `p${q * 100}: merged ${merged}, true ${truth}`);
    }
    if (needs('promtool').skip === undefined) assert.deepEqual(await promtoolCheck(text), []);
  });

  it('a worker SIGKILLed mid-scrape does not fail the scrape; it is counted and restarted', async (t) => {
    const dir = tempDir('cluster-kill');
    t.after(dir.remove);
    const agent = await spawnAgent(['--cluster', WORKER, '--cluster-workers', String(WORKERS)], undefined, { METERKIT_TEST_MODE: 'kill-once', METERKIT_TEST_DIR: dir.dir });
    t.after(() => agent.stop());
    // every scrape answers 200 (metrics() asserts it), the one during the kill included
    const text = await allAnswered(agent.url);
    assert.ok((sample(text, 'meterkit_cluster_worker_failures_total{reason="exited"}') ?? 0) >= 1, text);
    assert.ok((sample(text, 'meterkit_cluster_worker_restarts_total') ?? 0) >= 1, text);
    assert.match(agent.log(), /worker \d+ \(slot 1\) exited \(SIGKILL\); restarting/);
  });

  it('a slow worker times out, is counted, and the others are served', async (t) => {
    const agent = await spawnAgent(['--cluster', WORKER, '--cluster-workers', String(WORKERS), '--collect-timeout', '1000'], undefined, { METERKIT_TEST_MODE: 'slow' });
    t.after(() => agent.stop());
    const rest = ALL_JOBS - jobsOf(0);
    const text = await waitFor(async () => {
      const m = await metrics(agent.url);
      // all four asked (the slow one too, once it said ready), three answered
      return sample(m, 'jobs_total{queue="main"}') === rest && sample(m, 'meterkit_cluster_workers') === WORKERS ? m : undefined;
    }, 60_000, 'a scrape asking all four workers, answered by the three fast ones');
    assert.ok((sample(text, 'meterkit_cluster_worker_failures_total{reason="timeout"}') ?? 0) >= 1, text);
    assert.equal(sample(text, 'jobs_total{queue="only_0"}'), undefined);
  });
});
