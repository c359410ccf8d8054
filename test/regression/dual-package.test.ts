/**
 * #13 item 7: the ES module copy (dist/src) and the CommonJS copy (dist/cjs) of meterkit can be
 * loaded in one process (an application `require`s meterkit while a library `import`s it).
 * State that must be one per process, and the error type callers branch on, must agree across
 * the two copies. Each case failed before the fix: `instanceof MeterkitError` was false for the
 * other copy's errors; each copy numbered its monitors' collectors from 1, so the second
 * monitor on one registry threw "collector "meterkit_monitor_1" is already added"; and each copy
 * had its own NOOP_HANDLE, while the facade's no-op recorder (one per process) hands out the
 * handle of whichever copy loaded first.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import * as esmErrors from '../../src/core/errors.js';
import * as esm from '../../src/index.js';
import { Registry } from '../../src/index.js';
import { Monitor } from '../../src/monitor/index.js';

// the CommonJS build of the same sources, beside dist/src (npm run build makes both)
const require = createRequire(import.meta.url);
const cjsErrors = require('../../cjs/core/errors.js') as typeof esmErrors;
const cjsMonitor = require('../../cjs/monitor/index.js') as { Monitor: typeof Monitor };
const cjs = require('../../cjs/index.js') as typeof esm;

describe('dual package: one process, both copies', () => {
  it('the two copies are different module instances (the premise of these tests)', () => {
    assert.notEqual(cjsErrors.MeterkitError, esmErrors.MeterkitError);
  });

  it('instanceof MeterkitError recognises an error from the other copy, both ways', () => {
    const fromCjs = new cjsErrors.MeterkitError(cjsErrors.ErrorCode.InvalidName, 'bad');
    const fromEsm = new esmErrors.MeterkitError(esmErrors.ErrorCode.InvalidName, 'bad');
    assert.ok(fromCjs instanceof esmErrors.MeterkitError);
    assert.ok(fromEsm instanceof cjsErrors.MeterkitError);
    assert.ok(fromCjs instanceof Error);
  });

  it('instanceof MeterkitError stays false for other errors and non-objects', () => {
    for (const v of [new Error('x'), Object.assign(new Error('x'), { code: 'ERR_METERKIT_INVALID_NAME' }), null, undefined, 'ERR_METERKIT_X', 1, {}]) {
      assert.equal(v instanceof esmErrors.MeterkitError, false);
    }
  });

  it('a subclass keeps the ordinary instanceof (a MeterkitError is not a DockerError)', () => {
    class Sub extends esmErrors.MeterkitError {}
    assert.ok(new Sub('X', 'y') instanceof esmErrors.MeterkitError);
    assert.ok(new Sub('X', 'y') instanceof Sub);
    assert.equal(new esmErrors.MeterkitError('X', 'y') instanceof Sub, false);
    assert.equal(new cjsErrors.MeterkitError('X', 'y') instanceof Sub, false);
  });

  it('with no recorder installed, both copies\' facades hand out their own copy\'s NOOP_HANDLE', () => {
    esm.clearGlobalRecorder();
    assert.equal(cjs.hasGlobalRecorder(), false);
    assert.equal(cjs.counter('x_total'), cjs.NOOP_HANDLE);
    assert.equal(esm.counter('x_total'), esm.NOOP_HANDLE);
    assert.equal(cjs.histogram('x_seconds'), cjs.NOOP_HANDLE);
  });

  it('monitors from both copies publish into one registry (collector names are numbered per process)', async () => {
    const registry = new Registry();
    const a = new Monitor({ recorder: registry });
    const b = new cjsMonitor.Monitor({ recorder: registry });
    const c = new Monitor({ recorder: registry });
    await Promise.all([a.close(), b.close(), c.close()]);
    await registry.close();
  });
});
