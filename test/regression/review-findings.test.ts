/**
 * Defects an outside review found in the #8 fixes themselves: an update could still throw
 * when the invalid-updates counter could not be kept; a gauge kept a stale explicit time after
 * increment; a histogram sum could overflow to Infinity; two label sets shared one expvar key;
 * a cgroup path with ':' was cut; the push interval skipped the one duration rule.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import { cgroupPath } from '../../src/collectors/docker/index.js';
import { renderVars } from '../../src/json/index.js';
import { startPushing } from '../../src/prometheus/index.js';
import { render } from '../../src/prometheus/index.js';
import { tempDir } from '../helpers/tools.js';

describe('regression: review of the #8 fixes', () => {
  it('an update never throws, even when the invalid-updates counter cannot be kept', () => {
    const reg = new Registry({ onError: () => undefined });
    reg.gauge('meterkit_invalid_updates').set(1); // takes meterkit_invalid_updates_total's exposed name
    const warned: string[] = [];
    const onWarning = (w: Error): void => {
      warned.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      assert.doesNotThrow(() => reg.counter('x_total').increment(-1));
      assert.doesNotThrow(() => reg.counter('x_total').increment(-1));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(reg.view(reg.counter('x_total')).value, 0);
  });

  it('increment and decrement drop an explicit sample time, like set()', () => {
    const reg = new Registry();
    const g = reg.gauge('g');
    g.setAt(5, 1_700_000_000_000);
    g.increment();
    assert.ok(render(reg).includes('g 6\n'));
    g.setAt(5, 1_700_000_000_000);
    g.decrement();
    assert.ok(render(reg).includes('g 4\n'));
  });

  it('a histogram sum never becomes infinite', () => {
    const reg = new Registry({ onError: () => undefined });
    const h = reg.histogram('big');
    h.record(1e308);
    h.record(1e308);
    h.recordMany(1e308, 3);
    assert.equal(reg.view(h).sum, 1e308);
    assert.equal(reg.view(h).count, 1);
    assert.equal(reg.view(reg.counter('meterkit_invalid_updates_total', { metric: 'big', reason: 'overflow' })).value, 2);
  });

  it('two label sets never share an expvar map key', () => {
    const reg = new Registry();
    reg.gauge('k', { a: 'x|y', b: 'z' }).set(1);
    reg.gauge('k', { a: 'x', b: 'y|z' }).set(2);
    reg.gauge('k', { a: 'x\\', b: 'y' }).set(3);
    const doc = JSON.parse(renderVars(reg, { cmdline: [] })) as { k: Record<string, number> };
    assert.equal(Object.keys(doc.k).length, 3);
    assert.deepEqual(Object.values(doc.k).sort(), [1, 2, 3]);
  });

  it('reads a cgroup path that holds a colon', async () => {
    const tmp = tempDir('cgroup');
    try {
      const id = 'c0ffee'.repeat(10) + 'abcd';
      mkdirSync(join(tmp.dir, 'proc', '42'), { recursive: true });
      writeFileSync(join(tmp.dir, 'proc', '42', 'cgroup'), `0::/system.slice/cri-containerd:${id}.scope\n`);
      assert.equal(await cgroupPath(42, id, { proc: join(tmp.dir, 'proc'), sys: join(tmp.dir, 'sys') }), `/system.slice/cri-containerd:${id}.scope`);
    } finally {
      tmp.remove();
    }
  });

  it('the push interval and timeout follow the one duration rule', () => {
    assert.throws(() => startPushing(new Registry(), { url: 'http://gw', job: 'j', interval: 2 ** 31 }), /push interval 2147483648: a duration must be a whole number of ms from 1 to 2147483647/);
    assert.throws(() => startPushing(new Registry(), { url: 'http://gw', job: 'j', interval: 1000, timeout: 0 }), /push timeout 0/);
  });
});
