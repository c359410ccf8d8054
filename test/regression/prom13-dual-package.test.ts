/*
 * Review finding of issue #13 (item 7, dual package): the global `register` is shared between
 * the ES module and CommonJS copies, but it is an instance of whichever copy's Registry class
 * loaded first; in the other copy `register instanceof Registry` is false (a dual-package
 * hazard left: libraries that check `instanceof client.Registry` refuse the global registry).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from 'meterkit/prom-client';

const require = createRequire(import.meta.url);

describe('prom13: the shared global register under both module systems', () => {
  it('is the same object for import and require', () => {
    const cjs = require('meterkit/prom-client') as typeof esm;
    assert.equal(cjs.register, esm.register);
  });

  it('is an instance of the Registry class of both copies', () => {
    const cjs = require('meterkit/prom-client') as typeof esm;
    assert.ok(esm.register instanceof esm.Registry, 'ESM copy');
    assert.ok(cjs.register instanceof cjs.Registry, 'CommonJS copy: register instanceof Registry is false');
  });

  it('a registry made by one copy is an instance of the other copy\'s Registry (as MeterkitError is)', () => {
    const cjs = require('meterkit/prom-client') as typeof esm;
    assert.ok(new esm.Registry() instanceof cjs.Registry);
  });
});
