/**
 * Issue #9 §3: the observer client had no connect timeout — a connect that gets no answer
 * (a host that drops the SYN, a listener whose backlog is full) hung for as long as the kernel
 * retried (about two minutes on Linux), and the UI said nothing. The "retrying every 3 s" text
 * was hard-coded whatever the client's retry interval.
 *
 * The hang is real here: a listener in a stopped process accepts nothing, so once its backlog
 * is full the kernel drops further SYNs and a connect neither succeeds nor fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { StreamClient, renderFrame } from '../../src/observer/index.js';
import { startProcess, waitFor } from '../helpers/tools.js';

const BIN = fileURLToPath(new URL('../../../bin/meterkit.js', import.meta.url));

// listens with a backlog of 1 (Linux queues backlog + 1 = 2 connections), prints its port, then
// stops itself: nothing is ever accepted
const STALLED = `const s = require('node:net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () =>
  process.stdout.write(s.address().port + '\\n', () => process.kill(process.pid, 'SIGSTOP')));`;

const QUEUED = 2;

/** Resolves to the reason of the client's first 'disconnected', or rejects after `ms`. */
function firstDisconnect(client: StreamClient, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no 'disconnected' within ${ms} ms: the connect hangs`)), ms);
    client.once('connected', (a) => {
      clearTimeout(t);
      reject(new Error(`connected to ${a}: the listener's backlog was not full`));
    });
    client.once('disconnected', (reason) => {
      clearTimeout(t);
      resolve(reason);
    });
  });
}

describe('regression: the observer gives up on a connect that hangs', () => {
  let child: ChildProcess | undefined;
  let port = 0;
  const fillers: Socket[] = [];

  before(async () => {
    child = spawn(process.execPath, ['-e', STALLED], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [data] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    port = Number(data.toString().trim());
    // wait for the stop (no event tells it): a listener that still runs would accept the fillers
    const pid = child.pid as number;
    await waitFor(async () => (readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'T' ? true : undefined), 10_000, 'the listener process to stop');
    for (let i = 0; i < QUEUED; i++) {
      const s = connect(port, '127.0.0.1');
      fillers.push(s);
      await once(s, 'connect'); // the kernel completes these into the backlog
    }
  });

  after(() => {
    for (const s of fillers) s.destroy();
    child?.kill('SIGKILL'); // a stopped process takes no SIGTERM until continued
  });

  it('reports a connect timeout and retries, instead of hanging', async () => {
    const client = new StreamClient('127.0.0.1', port, { connectTimeoutMs: 200, retryMs: 60_000 });
    try {
      client.start();
      const reason = await firstDisconnect(client, 20_000);
      assert.match(reason, /^127\.0\.0\.1: no connection within 200ms \(connect timeout\)$/);
      assert.equal(client.connected, false);
    } finally {
      await client.close();
    }
  });

  it('meterkit observe --connect-timeout says so, and the retry interval it really uses', async () => {
    const p = startProcess(process.execPath, [BIN, 'observe', `127.0.0.1:${port}`, '--json', '--connect-timeout', '150']);
    try {
      const line = await waitFor(async () => /disconnected: .*$/m.exec(p.output())?.[0], 20_000, 'a disconnect').catch((err: Error) => {
        throw new Error(`${err.message}; output: ${p.output()}`, { cause: err });
      });
      assert.equal(line, 'disconnected: 127.0.0.1: no connection within 150ms (connect timeout); retrying in 3s');
    } finally {
      await p.stop();
    }
  });

  it('checks the durations like every duration, and the screen shows the configured retry interval', async () => {
    let err = '';
    assert.equal(await main(['observe', '--connect-timeout', '0x10'], () => undefined, (t) => (err += t)), 2);
    assert.match(err, /invalid --connect-timeout "0x10"/);
    for (const bad of [0, 1.5, -1, 2 ** 31, Number.NaN]) {
      assert.throws(() => new StreamClient('127.0.0.1', 1, { connectTimeoutMs: bad }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /invalid connect timeout/ });
      assert.throws(() => new StreamClient('127.0.0.1', 1, { retryMs: bad }), { code: 'ERR_METERKIT_INVALID_ARGUMENT', message: /invalid retry interval/ });
    }
    const client = new StreamClient('127.0.0.1', 1, { retryMs: 250 });
    assert.equal(client.connectTimeoutMs, 5000);
    const [header] = renderFrame({ address: 'h:1', connected: false, reason: 'ECONNREFUSED', retryMs: client.retryMs, time: new Date(), rows: [], offset: 0, width: 120, height: 10 });
    assert.match(header as string, /disconnected — retrying every 250ms \(ECONNREFUSED\)/);
  });
});
