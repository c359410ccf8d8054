import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Unit } from '../../src/index.js';
import type { TcpRecorder } from '../../src/tcp/index.js';
import { TcpBuilder } from '../../src/tcp/index.js';
import { freePort, needs, requireTools, run, waitFor } from '../helpers/tools.js';

const BIN = fileURLToPath(new URL('../../../bin/meterkit.js', import.meta.url));
const SOCKET = `meterkit-test-${process.pid}`;
const SESSION = 'observer';

async function tmux(...args: string[]): Promise<string> {
  return (await run('tmux', ['-L', SOCKET, ...args])).stdout;
}

async function screen(): Promise<string> {
  return tmux('capture-pane', '-p', '-t', SESSION);
}

async function until(pred: (s: string) => boolean, what: string, ms = 10_000): Promise<string> {
  try {
    return await waitFor(async () => {
      const s = await screen();
      return pred(s) ? s : undefined;
    }, ms, what);
  } catch (err) {
    // the screen at the time of the failure, not at the start of the wait
    const last = await screen().catch((e: Error) => `(not captured: ${e.message})`);
    throw new Error(`${(err as Error).message}; screen was:\n${last}`, { cause: err });
  }
}

describe('meterkit observe in a real terminal (tmux)', { ...needs('tmux') }, () => {
  let rec: TcpRecorder | undefined;
  after(async () => {
    // expected to fail when the test got as far as quitting: the server exits with its last
    // session ("no server running"), which tells nothing
    await tmux('kill-server').catch(() => undefined);
    await rec?.close();
  });

  it('shows series, scrolls, notices the exporter going away, reconnects from zero, quits on q', async () => {
    requireTools('tmux');
    const port = await freePort();
    const start = async (): Promise<TcpRecorder> => new TcpBuilder().listenAddress(`127.0.0.1:${port}`).build();
    rec = await start();
    await tmux('new-session', '-d', '-s', SESSION, '-x', '110', '-y', '20', `${process.execPath} ${BIN} observe 127.0.0.1:${port}`);
    await until((s) => /127\.0\.0\.1:\d+ {2}connected/.test(s), 'connected header');
    await waitFor(async () => (rec?.clientCount === 1 ? true : undefined), 5000, 'client');

    rec.describeHistogram('request_latency_seconds', Unit.Seconds, 'Latency');
    rec.describeGauge('heap_bytes', Unit.Bytes);
    rec.registerCounter('requests_total', { method: 'GET', status: '200' }).increment(42);
    rec.registerGauge('heap_bytes').set(3 * 1024 * 1024);
    const h = rec.registerHistogram('request_latency_seconds');
    for (const v of [0.001, 0.002, 0.004, 0.25]) h.record(v);
    for (let i = 0; i < 30; i++) rec.registerGauge('zz_filler', { i: String(i).padStart(2, '0') }).set(i);
    let s = await until((x) => x.includes('total: 42') && x.includes('current: 3 MiB'), 'values');
    assert.match(s, /requests_total \[method = GET, status = 200\] +total: 42/);
    assert.match(s, /heap_bytes +current: 3 MiB/);
    assert.match(s, /request_latency_seconds +min: 1ms p50: 2(\.\d+)?ms p99: [34](\.\d+)?ms p999: [34](\.\d+)?ms max: 250ms/);
    assert.match(s, /q quit/);
    assert.match(s, /\d\d:\d\d:\d\d/);
    assert.doesNotMatch(s, /zz_filler \[i = 29\]/, 'the last rows are below the screen');

    await tmux('send-keys', '-t', SESSION, 'NPage');
    s = await until((x) => x.includes('zz_filler [i = 29]'), 'page down');
    await tmux('send-keys', '-t', SESSION, 'PPage');
    await until((x) => x.includes('heap_bytes'), 'page up');
    await tmux('send-keys', '-t', SESSION, 'Down');
    await until((x) => !x.includes('heap_bytes'), 'one line down');
    await tmux('send-keys', '-t', SESSION, 'Up');
    await until((x) => x.includes('heap_bytes'), 'one line up');

    // the clock moves: redrawn at least once a second
    const t1 = /(\d\d:\d\d:\d\d)/.exec(await screen())?.[1];
    await until((x) => /(\d\d:\d\d:\d\d)/.exec(x)?.[1] !== t1, 'clock ticking', 3000);

    await rec.close();
    await until((x) => /disconnected — retrying every 3s/.test(x), 'disconnected state');

    rec = await start();
    await until((x) => /127\.0\.0\.1:\d+ {2}connected/.test(x), 'reconnected', 15_000);
    await waitFor(async () => (rec?.clientCount === 1 ? true : undefined), 5000, 'client again');
    rec.registerCounter('requests_total', { method: 'GET', status: '200' }).increment(1);
    s = await until((x) => x.includes('total: 1'), 'restarted from zero');
    assert.doesNotMatch(s, /total: 4[23]/);
    assert.doesNotMatch(s, /heap_bytes/, 'old series forgotten');

    await tmux('send-keys', '-t', SESSION, 'q');
    await waitFor(async () => {
      const alive = await tmux('has-session', '-t', SESSION).then(() => true, () => false);
      return alive ? undefined : true;
    }, 5000, 'observer to quit on q');
  });
});
