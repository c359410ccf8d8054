/** The MetricInput rule: every bad field refused with a coded error naming field, value and rule, and counted by reason. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from '../../src/core/registry.js';
import { render } from '../../src/prometheus/index.js';
import { INVALID_METRIC_FIELDS, InvalidMetricError, MAX_PEER_ID_LENGTH, Monitor, checkMetric, checkMetricName } from '../../src/monitor/index.js';
import { sampleValue } from '../helpers/backends.js';

const NOW = 1_700_000_000_000;
const ok = { name: 'ping', peer: 'a', ttl: 1000 };

describe('checkMetric', () => {
  it('accepts the wire shape and returns the expiry from ttl or expire', () => {
    assert.equal(checkMetric(ok, NOW, false), NOW + 1000);
    assert.equal(checkMetric({ name: 'cpu.load:1m-avg', peer: 'peer/with spaces é', value: -1.5e10, valid: false, expire: NOW + 1 }, NOW, false), NOW + 1);
    assert.equal(checkMetric({ ...ok, value: 'x'.repeat(4096) }, NOW, false), NOW + 1000);
    assert.equal(checkMetric({ ...ok, peer: 'p'.repeat(MAX_PEER_ID_LENGTH), extra: 'ignored' }, NOW, false), NOW + 1000);
    // known ids skip the name and peer rules (the caller found a window under exactly them)
    assert.equal(checkMetric({ ...ok, name: '1bad' }, NOW, true), NOW + 1000);
  });

  it('refuses every bad field, naming it, the value and the rule', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [null, 'shape', /metric shape null: a metric must be a JSON object/],
      [[ok], 'shape', /an array of length 1/],
      ['ping', 'shape', /"ping"/],
      [{ ...ok, name: undefined }, 'name', /name undefined: it must be a string of at most 128/],
      [{ ...ok, name: '' }, 'name', /name ""/],
      [{ ...ok, name: '1ping' }, 'name', /name "1ping".*a letter or _/],
      [{ ...ok, name: 'a b' }, 'name', /name "a b"/],
      [{ ...ok, name: 'n'.repeat(129) }, 'name', /name "n+"/],
      [{ ...ok, peer: '' }, 'peer', /peer "": it must be a string of 1 to 256 characters with no control characters/],
      [{ ...ok, peer: 7 }, 'peer', /peer 7/],
      [{ ...ok, peer: 'a\nb' }, 'peer', /peer "a\\nb"/],
      [{ ...ok, peer: 'a\u0085' }, 'peer', /peer/],
      [{ ...ok, peer: 'p'.repeat(257) }, 'peer', /peer/],
      [{ ...ok, value: NaN }, 'value', /value NaN: a number must be finite/],
      [{ ...ok, value: Infinity }, 'value', /value Infinity/],
      [{ ...ok, value: true }, 'value', /value true: it must be a finite number or a string of at most 4096/],
      [{ ...ok, value: 'x'.repeat(4097) }, 'value', /value/],
      [{ ...ok, value: null }, 'value', /value null/],
      [{ ...ok, valid: 'yes' }, 'valid', /valid "yes": it must be true or false/],
      [{ name: 'ping', peer: 'a' }, 'ttl', /ttl undefined: give exactly one of ttl .* and expire/],
      [{ ...ok, expire: NOW + 10 }, 'expire', /expire \d+: give exactly one of ttl and expire, not both/],
      [{ ...ok, ttl: 0 }, 'ttl', /metric ttl: invalid ttl 0: a duration must be a whole number of ms from 1/],
      [{ ...ok, ttl: -5 }, 'ttl', /ttl -5/],
      [{ ...ok, ttl: 1.5 }, 'ttl', /ttl 1\.5/],
      [{ ...ok, ttl: '10s' }, 'ttl', /ttl "10s"/],
      [{ ...ok, ttl: 2 ** 31 }, 'ttl', /ttl 2147483648/],
      [{ name: 'ping', peer: 'a', expire: NOW }, 'expire', /expire 1700000000000: it must be a whole number of ms since the epoch after now \(1700000000000\)/],
      [{ name: 'ping', peer: 'a', expire: NOW + 0.5 }, 'expire', /expire/],
      [{ name: 'ping', peer: 'a', expire: String(NOW + 10) }, 'expire', /expire "/],
    ];
    for (const [m, field, message] of cases) {
      assert.throws(() => checkMetric(m, NOW, false), (err: unknown) => {
        assert.ok(err instanceof InvalidMetricError, JSON.stringify(m));
        assert.equal(err.code, 'ERR_METERKIT_INVALID_METRIC');
        assert.equal(err.field, field, `${String(JSON.stringify(m))}: ${err.message}`);
        assert.match(err.message, message);
        return true;
      });
    }
    assert.throws(() => checkMetric({ ...ok, ttl: 0 }, NOW, false, 4), { message: /^invalid metric \[4\] ttl/ });
    assert.throws(() => checkMetricName('a b', 2), { message: /^invalid metric \[2\] name "a b"/ });
  });

  it('the monitor counts rejections by reason and stores nothing', () => {
    const registry = new Registry();
    const mon = new Monitor({ recorder: registry, now: () => NOW });
    assert.throws(() => mon.logMetric({ ...ok, ttl: -1 }), { code: 'ERR_METERKIT_INVALID_METRIC' });
    assert.throws(() => mon.logMetric({ ...ok, ttl: -1 }));
    assert.throws(() => mon.logMetric(42));
    assert.throws(() => mon.logMetrics([ok, { ...ok, value: NaN }]));
    assert.throws(() => mon.logMetrics('[]'));
    // an error that is not a validation error would pass through uncounted; a known window's value still is checked
    mon.logMetric(ok);
    assert.throws(() => mon.logMetric({ ...ok, value: {} }), { message: /value an object/ });
    const text = render(registry);
    const name = 'meterkit_monitor_invalid_metrics_total';
    assert.equal(sampleValue(text, name, { reason: 'ttl' }), 2);
    assert.equal(sampleValue(text, name, { reason: 'shape' }), 2);
    assert.equal(sampleValue(text, name, { reason: 'value' }), 2);
    assert.equal(mon.window('ping', 'a').length, 1);
    assert.deepEqual([...INVALID_METRIC_FIELDS].sort(), ['expire', 'limit', 'name', 'peer', 'shape', 'ttl', 'valid', 'value']);
  });
});
