/**
 * A new series whose labels come as an object with the names of the label set used last, in
 * its order, is made without splitLabels (family.ts, createIn). Every rule splitLabels applies
 * must still hold for labels that look almost like that.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeterkitError, OVERFLOW_METRIC, Registry } from '../../src/index.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MeterkitError, String(err));
    return err.code;
  }
  return 'no error';
}

function labelsOf(reg: Registry, name: string): string[] {
  const out: string[] = [];
  reg.family(name)?.forEachSeries((s, values) => out.push(s.owner.labelNames.map((n, i) => `${n}=${values[i] as string}`).join(',')));
  return out;
}

describe('creating series on the fast path', () => {
  it('new values in the last order make new series, found again by other objects', () => {
    const reg = new Registry();
    for (let i = 0; i < 50; i++) reg.counter('req_total', { route: `/r/${i}`, code: String(200 + (i % 3)) }).increment(i);
    for (let i = 0; i < 50; i++) reg.counter('req_total', { route: `/r/${i}`, code: String(200 + (i % 3)) }).increment();
    assert.equal(reg.family('req_total')?.seriesCount, 50);
    const s = reg.counter('req_total', [['route', '/r/7'], ['code', '201']]);
    assert.equal(reg.view(s).value, 8);
    assert.equal(reg.counter('req_total', { code: '201', route: '/r/7' }), s);
  });

  it('a value that is not a string is refused as before', () => {
    const reg = new Registry();
    reg.counter('a_total', { route: '/x', code: '200' });
    assert.equal(code(() => reg.counter('a_total', { route: '/y', code: 200 as unknown as string })), 'ERR_METERKIT_INVALID_LABEL_VALUE');
    assert.equal(code(() => reg.counter('a_total', { route: undefined as unknown as string, code: '1' })), 'ERR_METERKIT_INVALID_LABEL_VALUE');
    assert.deepEqual(labelsOf(reg, 'a_total'), ['route=/x,code=200']);
  });

  it('an iterable with the right keys is refused as before', () => {
    const reg = new Registry();
    reg.counter('b_total', { route: '/x' });
    class Odd {
      route = '/y';
      *[Symbol.iterator](): Generator<string> {
        yield 'route';
      }
    }
    assert.equal(code(() => reg.counter('b_total', new Odd() as unknown as Record<string, string>)), 'ERR_METERKIT_INVALID_ARGUMENT');
    assert.deepEqual(labelsOf(reg, 'b_total'), ['route=/x']);
  });

  it('inherited keys, extra keys, missing keys and other orders take the full rules', () => {
    const reg = new Registry();
    reg.counter('c_total', { a: '1', b: '2' });
    const inherited = Object.assign(Object.create({ b: '9' }) as Record<string, string>, { a: '3' });
    reg.counter('c_total', inherited); // own keys only, as splitLabels reads them: a new set {a}
    reg.counter('c_total', { a: '4', b: '5', c: '6' });
    reg.counter('c_total', { b: '7', a: '8' });
    assert.equal(code(() => reg.counter('c_total', { a: '1', __b: '2' })), 'ERR_METERKIT_INVALID_LABEL_NAME');
    assert.deepEqual(labelsOf(reg, 'c_total').sort(), ['a=1,b=2', 'a=3', 'a=4,b=5,c=6', 'a=8,b=7'].sort());
  });

  it('the cardinality limit and its overflow count still apply', () => {
    const reg = new Registry({ cardinalityLimit: 3 });
    for (let i = 0; i < 5; i++) reg.counter('d_total', { id: String(i) }).increment();
    assert.equal(reg.family('d_total')?.seriesCount, 4); // three, and the overflow series
    let overflowed = 0;
    reg.family(OVERFLOW_METRIC)?.forEachSeries((s) => (overflowed += (s as unknown as { value: number }).value));
    assert.equal(overflowed, 2);
  });

  it('histograms keep refusing le and quantile', () => {
    const reg = new Registry();
    reg.histogram('h_seconds', { route: '/x' });
    assert.equal(code(() => reg.histogram('h_seconds', { le: '1' })), 'ERR_METERKIT_INVALID_LABEL_NAME');
    reg.histogram('h_seconds', { route: '/y' }).record(1);
    assert.deepEqual(labelsOf(reg, 'h_seconds'), ['route=/x', 'route=/y']);
  });
});
