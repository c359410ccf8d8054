/**
 * Cluster scrape time: 4 `node:cluster` workers × 10 000 counter series (the same label sets in
 * each, so the merge is 10 000 series), scraped by meterkit's ClusterAggregator (ask every
 * worker over IPC, check and merge the snapshots, render text 0.0.4) and by prom-client's
 * AggregatorRegistry.clusterMetrics() on the same processes. Reports ms per scrape (median of
 * the rounds, the two taken in turns so a noisy moment falls on both) and the share of a
 * meterkit scrape spent rendering. No target: the issue asks for the figure.
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import client from 'prom-client';
import { CLUSTER_MESSAGE_TAG, ClusterAggregator } from '../src/cluster/index.js';
import { render } from '../src/prometheus/render.js';
import { record } from './harness.js';
import { SERIES_CODES, SERIES_ROUTES } from './cluster-shape.js';

const S = 'cluster';
const WORKERS = 4;
const ROUNDS = 9;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

export async function runCluster(): Promise<void> {
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./cluster-worker.js', import.meta.url)), args: [] });
  const agg = new ClusterAggregator({ onError: (err) => console.error(err.message) });
  const prom = new client.AggregatorRegistry();
  const workers = Array.from({ length: WORKERS }, (_, i) => cluster.fork({ METERKIT_CLUSTER_SLOT: String(i) }));
  const expected = WORKERS * SERIES_ROUTES * SERIES_CODES;
  try {
    // every worker listening (it says ready), then one scrape that has them all
    await Promise.all(workers.map((w) => new Promise<void>((ready) => w.on('message', (m: Record<string, unknown>) => m[CLUSTER_MESSAGE_TAG] === 'ready' && ready()))));
    await agg.collect({ inlineTimeout: 30_000 });
    const f = [...agg.families()].find((x) => x.name === 'http_requests_total');
    let first = -1;
    f?.cursor().next(1, (s) => void (first = s.kind === 'counter' ? s.value : -1));
    // the first series sums 0 + 1 + 2 + 3
    if (f === undefined || f.seriesCount !== expected / WORKERS || first !== (WORKERS * (WORKERS - 1)) / 2) throw new Error('the workers did not all answer');
    const total: number[] = [];
    const rendering: number[] = [];
    const peer: number[] = [];
    let bytes = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = process.hrtime.bigint();
      await agg.collect({ inlineTimeout: 30_000 });
      const t1 = process.hrtime.bigint();
      const text = render(agg);
      total.push(ms(t0));
      rendering.push(ms(t1));
      bytes = text.length;
      const t2 = process.hrtime.bigint();
      const p = await prom.clusterMetrics();
      peer.push(ms(t2));
      if (p.length === 0) throw new Error('prom-client answered nothing');
    }
    record(S, `meterkit ClusterAggregator scrape, ${WORKERS} workers × 10k series (${(bytes / 1e6).toFixed(1)} MB)`, median(total), 'ms/scrape');
    record(S, 'of which render', (median(rendering) / median(total)) * 100, '% of scrape');
    record(S, `prom-client AggregatorRegistry.clusterMetrics(), same workers`, median(peer), 'ms/scrape');
    record(S, 'prom-client / meterkit', median(peer) / median(total), 'x');
  } finally {
    await agg.close();
    await Promise.all(workers.map((w) => new Promise<void>((done) => {
      w.once('exit', () => done());
      w.kill();
    })));
  }
}
