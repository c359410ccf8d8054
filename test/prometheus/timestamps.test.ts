import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';
import { needs } from '../helpers/tools.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';

describe('explicit sample times (gauge setAt)', () => {
  it('write ms in text 0.0.4 and seconds in OpenMetrics; set() drops the time', { ...needs('promtool', 'openmetrics') }, async () => {
    const reg = new Registry({ onError: () => undefined });
    const g = reg.gauge('last_seen', { id: 'a' });
    g.setAt(1_700_000_000, 1_700_000_000_123);
    const text = render(reg);
    assert.ok(text.includes('last_seen{id="a"} 1700000000 1700000000123\n'), text);
    await promtoolCheck(text);
    const om = render(reg, { format: 'openmetrics' });
    assert.ok(om.includes('last_seen{id="a"} 1700000000 1700000000.123\n'), om);
    await parseOpenMetrics(om);
    g.setAt(5, NaN);
    g.setAt(NaN, 1);
    assert.equal(reg.view(g).value, 1_700_000_000, 'a bad value or time is dropped');
    assert.equal(reg.view(reg.counter('meterkit_invalid_updates_total', { metric: 'last_seen', reason: 'nan' })).value, 2);
    g.set(3);
    assert.ok(render(reg).includes('last_seen{id="a"} 3\n'));
  });
});
