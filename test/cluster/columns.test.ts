import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from '../../src/core/registry.js';
import { encodeSnapshot, readSnapshot, takeSnapshot } from '../../src/cluster/snapshot.js';

function sample(): Registry {
  const r = new Registry();
  r.counter('jobs_total', { queue: 'a', kind: 'x' }).increment(2);
  r.counter('jobs_total', { queue: 'b', kind: 'y' }).increment(3);
  r.counter('jobs_total').increment(1);
  r.gauge('depth', { queue: 'a' }).set(-4);
  r.gauge('temp').setAt(7, 1234);
  r.gauge('temp2').set(1);
  r.histogram('lat').record(0.2);
  return r;
}

/** The wire form after a JSON round trip, as a cluster worker's IPC delivers it. */
function wire(r: Registry): Record<string, unknown> {
  return JSON.parse(JSON.stringify(encodeSnapshot(takeSnapshot(r, () => 'sum')))) as Record<string, unknown>;
}

describe('columnar snapshots (the wire form of counters and gauges)', () => {
  it('reads back exactly what the object form reads as', () => {
    const r = sample();
    const objects = readSnapshot(JSON.parse(JSON.stringify(takeSnapshot(r, () => 'sum'))));
    const columns = readSnapshot(wire(r));
    assert.deepEqual(columns, objects);
    const fams = (wire(r).families as Array<Record<string, unknown>>);
    assert.ok(fams.find((f) => f.name === 'jobs_total')?.columns !== undefined);
    assert.ok(fams.find((f) => f.name === 'lat')?.series !== undefined);
  });

  const cases: Array<[string, (cols: Record<string, unknown>) => void, RegExp]> = [
    ['a list index out of range', (c) => ((c.name as number[])[0] = 9), /columns\.name/],
    ['a missing label value', (c) => (c.values as string[]).pop(), /label values|columns\.values/],
    ['an extra label value', (c) => (c.values as string[]).push('z'), /exactly one per label/],
    ['a short column', (c) => (c.value as number[]).pop(), /columns\.value .*one entry per series/],
    ['a negative counter', (c) => ((c.value as number[])[1] = -1), /value of a series/],
    ['a bad label name', (c) => ((c.names as string[][])[0] = ['__bad']), /label names/],
    ['no createdBase', (c) => delete c.createdBase, /columns\.createdBase/],
    ['a created offset below 0', (c) => ((c.created as number[])[0] = -1), /created of a series/],
    ['not an object', (c) => ((c as { names: unknown }).names = 'x'), /columns\.names/],
  ];
  for (const [what, spoil, message] of cases) {
    it(`refuses ${what}`, () => {
      const w = wire(sample());
      const f = (w.families as Array<Record<string, unknown>>).find((x) => x.name === 'jobs_total') as Record<string, unknown>;
      spoil(f.columns as Record<string, unknown>);
      assert.throws(() => readSnapshot(w), (err: Error & { code?: string }) => err.code === 'ERR_METERKIT_CLUSTER_SNAPSHOT' && message.test(err.message));
    });
  }
});
