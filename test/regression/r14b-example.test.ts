/**
 * #14 review round 2: `meterkit config example` is "a complete, commented example" (issue #14,
 * config 2). Round one added the `dashboard` section (max_clients, max_watched) to the schema,
 * the flags and the README, but not to the example: a user who starts from the example never
 * sees it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_EXAMPLE } from '../../src/cli/config/example.js';
import { configReference } from '../../src/cli/config/reference.js';


describe('r14b the config example is complete', () => {
  it('holds every top-level section of the schema, and the dashboard\'s keys', () => {
    const top = [...configReference().matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1] as string);
    assert.ok(top.includes('dashboard'), 'the schema has a dashboard section');
    const missing = top.filter((k) => !new RegExp(`^#? *${k}:`, 'm').test(CONFIG_EXAMPLE));
    assert.deepEqual(missing, []);
    assert.match(CONFIG_EXAMPLE, /max_clients:/);
    assert.match(CONFIG_EXAMPLE, /max_watched:/);
  });
});
