import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_UNITS,
  DEFAULT_BUCKETS,
  MeterkitError,
  Unit,
  exponentialBuckets,
  isUnit,
  linearBuckets,
  parseUnit,
  unitLabel,
} from '../../src/index.js';

describe('buckets', () => {
  it('has Prometheus defaults', () => {
    assert.deepEqual(DEFAULT_BUCKETS, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  });
  it('makes linear and exponential buckets', () => {
    assert.deepEqual(linearBuckets(1, 2, 4), [1, 3, 5, 7]);
    assert.deepEqual(exponentialBuckets(1, 10, 4), [1, 10, 100, 1000]);
  });
  it('rejects bad arguments naming the value', () => {
    assert.throws(() => linearBuckets(0, 0, 3), /width 0/);
    assert.throws(() => linearBuckets(0, 1, 0), /count 0/);
    assert.throws(() => linearBuckets(NaN, 1, 1), /start NaN/);
    assert.throws(() => exponentialBuckets(0, 2, 3), /start 0/);
    assert.throws(() => exponentialBuckets(1, 1, 3), /factor 1/);
    assert.throws(() => exponentialBuckets(1, 2, 2.5), /count 2.5/);
    assert.throws(() => linearBuckets(0, 1, 0), (e: unknown) => e instanceof MeterkitError && e.code === 'ERR_METERKIT_INVALID_BUCKETS');
  });
});

describe('units', () => {
  it('has every wire string and display label', () => {
    const expected: Array<[string, string]> = [
      ['count', ''], ['percent', '%'], ['seconds', 's'], ['milliseconds', 'ms'], ['microseconds', 'µs'],
      ['nanoseconds', 'ns'], ['tebibytes', 'TiB'], ['gibibytes', 'GiB'], ['mebibytes', 'MiB'],
      ['kibibytes', 'KiB'], ['bytes', 'B'], ['terabits_per_second', 'Tbps'], ['gigabits_per_second', 'Gbps'],
      ['megabits_per_second', 'Mbps'], ['kilobits_per_second', 'kbps'], ['bits_per_second', 'bps'],
      ['count_per_second', '/s'],
    ];
    assert.deepEqual(ALL_UNITS.map((u) => [u, unitLabel(u)]), expected);
    assert.equal(Unit.CountPerSecond, 'count_per_second');
    assert.equal(Unit.Microseconds, 'microseconds');
  });
  it('parses and rejects unit strings', () => {
    assert.equal(parseUnit('bytes'), Unit.Bytes);
    assert.equal(isUnit('bytes'), true);
    assert.equal(isUnit('Bytes'), false);
    assert.throws(() => parseUnit('Bytes'), (e: unknown) => e instanceof MeterkitError && e.code === 'ERR_METERKIT_INVALID_UNIT' && /"Bytes"/.test(e.message));
  });
});

describe('MeterkitError', () => {
  it('always has an ERR_METERKIT_ code and keeps its cause', () => {
    const cause = new Error('root');
    const e = new MeterkitError('SOMETHING', 'msg', { cause });
    assert.equal(e.code, 'ERR_METERKIT_SOMETHING');
    assert.equal(e.cause, cause);
    assert.equal(new MeterkitError('ERR_METERKIT_X', 'm').code, 'ERR_METERKIT_X');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'MeterkitError');
  });
});
