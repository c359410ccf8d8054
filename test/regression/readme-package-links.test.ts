/**
 * Regression: the published README pointed at `../shared/DESIGN.md`, and linked
 * bench/RESULTS.md, neither of which is in the package, so both were dead on the registry's
 * page and in node_modules. Every relative link of README.md must name a file that exists and
 * that package.json `files` publishes; no path may leave the package.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('regression: the README links only to what the package holds', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const published = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files;

  it('every relative link names a published file', () => {
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => (m[1] as string).split('#')[0] as string).filter((t) => t !== '' && !/^[a-z]+:/i.test(t));
    assert.ok(targets.includes('proto/event.proto'), 'the scan sees the links');
    const unpublished = targets.filter((t) => !published.some((f) => t === f || t.startsWith(`${f}/`)));
    assert.deepEqual(unpublished, [], `not in package.json files (${published.join(', ')})`);
    assert.deepEqual(targets.filter((t) => !existsSync(join(ROOT, t))), [], 'missing files');
  });

  it('no path leaves the package', () => {
    assert.deepEqual(readme.match(/\.\.\/[\w./-]+/g) ?? [], []);
  });
});
