/**
 * #15 review, round 2: a background loop never throws (DESIGN). The metadata send reads the
 * source's families() outside the snapshot's try: a source that throws there makes flush()
 * and close() reject and leaves a rejection nobody handles. Fixed; kept as a regression test.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/index.js';
import { RemoteWriter } from '../../src/remote-write/index.js';
import type { RemoteWriteSource } from '../../src/remote-write/index.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';

describe('r15b review: remote write metadata send', () => {
  const receivers: WriteReceiver[] = [];
  after(async () => {
    for (const r of receivers) await r.close();
  });

  it('a source whose families() throws while metadata is read is reported through onError; flush() and close() still resolve', async () => {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const reg = new Registry();
    reg.counter('jobs_total').increment(1);
    let calls = 0;
    // the snapshot's read succeeds; the metadata pass (the second call) fails, e.g. a collector
    // family that vanished under a custom source
    const source: RemoteWriteSource = {
      families: () => {
        if (++calls % 2 === 0) throw new Error('families went away');
        return reg.families();
      },
    };
    const errors: Error[] = [];
    const w = new RemoteWriter({ url: rx.url, source, metrics: new Registry(), flushDeadline: 100, onError: (e) => errors.push(e) });
    const outcome = await w.flush().then(
      () => 'resolved',
      (e: unknown) => `rejected: ${String(e)}`,
    );
    const closed = await w.close().then(
      () => 'resolved',
      (e: unknown) => `rejected: ${String(e)}`,
    );
    assert.equal(outcome, 'resolved', 'flush() rejects with the metadata pass\'s error');
    assert.equal(closed, 'resolved');
    assert.ok(errors.some((e) => /families went away/.test(e.message)), 'the failure reaches onError');
  });
});
