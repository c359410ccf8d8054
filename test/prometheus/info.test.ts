import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeterkitError, Registry } from '../../src/index.js';
import { render } from '../../src/prometheus/index.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';
import { needs } from '../helpers/tools.js';

function build(): Registry {
  const reg = new Registry();
  reg.info('build_info', { version: '1.2.3', revision: 'abc"\\n' }, 'Build information');
  reg.gauge('up').set(1);
  return reg;
}

describe('info metrics', () => {
  it('is a gauge set to 1 in text 0.0.4, marked info on the family view', () => {
    const reg = build();
    assert.equal(reg.family('build_info')?.info, true);
    assert.equal(reg.family('up')?.info, false);
    const text = render(reg);
    assert.match(text, /^# TYPE build_info gauge$/m);
    assert.match(text, /^# HELP build_info Build information$/m);
    assert.match(text, /^build_info\{version="1.2.3",revision="abc\\"\\\\n"\} 1$/m);
  });

  it('is typed info in OpenMetrics, under its name without _info', () => {
    const text = render(build(), { format: 'openmetrics' });
    assert.match(text, /^# TYPE build info$/m);
    assert.match(text, /^# HELP build Build information$/m);
    assert.match(text, /^build_info\{version="1.2.3",revision="abc\\"\\\\n"\} 1$/m);
  });

  it('passes promtool (text 0.0.4)', needs('promtool'), async () => {
    await promtoolCheck(render(build()));
  });

  it('passes the python OpenMetrics parser as an info family', needs('openmetrics'), async () => {
    const fams = await parseOpenMetrics(render(build(), { format: 'openmetrics' }));
    const info = fams.find((f) => f.name === 'build');
    assert.equal(info?.type, 'info');
    assert.equal(info?.help, 'Build information');
    assert.deepEqual(info?.samples, [{ name: 'build_info', labels: { version: '1.2.3', revision: 'abc"\\n' }, value: 1, exemplar: null }]);
    // the oracle can fail: an info family named with its `_info`, or valued other than 1, is refused
    await assert.rejects(parseOpenMetrics('# TYPE build_info info\nbuild_info{version="1"} 1\n# EOF\n'), /Clashing name/);
    await assert.rejects(parseOpenMetrics('# TYPE build info\nbuild_info{version="1"} 2\n# EOF\n'), /value one/);
  });

  it('refuses names not ending in _info and names taken in OpenMetrics', () => {
    const reg = new Registry();
    const code = (c: string) => (err: unknown) => err instanceof MeterkitError && err.code === c;
    assert.throws(() => reg.info('build', { v: '1' }), code('ERR_METERKIT_INVALID_NAME'));
    assert.throws(() => reg.info('_info', { v: '1' }), code('ERR_METERKIT_INVALID_NAME'));
    reg.gauge('app').set(3);
    assert.throws(() => reg.info('app_info', { v: '1' }), code('ERR_METERKIT_NAME_CONFLICT'));
    assert.equal(reg.family('app_info'), undefined, 'nothing registered by a refused call');
    reg.info('svc_info', { v: '1' });
    assert.throws(() => reg.gauge('svc'), code('ERR_METERKIT_NAME_CONFLICT'));
    reg.counter('jobs_info').increment();
    assert.throws(() => reg.info('jobs_info', { v: '1' }), code('ERR_METERKIT_KIND_CONFLICT'));
    reg.info('svc_info', { v: '2' }); // a second series
    assert.equal(reg.family('svc_info')?.seriesCount, 2);
  });
});
