/**
 * Regression: two different micro signs. `unitLabel('microseconds')` said `μs` (U+03BC GREEK
 * SMALL LETTER MU) while the observer printed `µs` (U+00B5 MICRO SIGN), so one unit had two
 * spellings, and a search for one missed the other. One sign everywhere: U+00B5.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Unit, unitLabel } from '../../src/index.js';
import { formatWithUnit } from '../../src/observer/state.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MICRO = '\u00b5';
const MU = '\u03bc';

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out;
}

describe('regression: one micro sign', () => {
  it('unitLabel and the observer spell microseconds alike, with U+00B5', () => {
    assert.equal(unitLabel(Unit.Microseconds), `${MICRO}s`);
    assert.equal(formatWithUnit(2500, 'nanoseconds'), `2.5${MICRO}s`);
  });

  it('no U+03BC in src/ or README.md', async () => {
    const withMu: string[] = [];
    for (const f of [...(await files(join(ROOT, 'src'))), join(ROOT, 'README.md')]) {
      if ((await readFile(f, 'utf8')).includes(MU)) withMu.push(f.slice(ROOT.length));
    }
    assert.deepEqual(withMu, []);
  });
});
