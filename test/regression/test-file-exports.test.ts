/**
 * Regression: a test file exported a helper (`get`, from test/prometheus/handler.test.ts) that four
 * other suites imported, so each of those processes registered and ran the handler suite again: it
 * ran five times per `npm test`. Helpers live in test/helpers/; a test file exports nothing and no
 * file imports a test file.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('regression: test files are not modules of other test files', () => {
  it('no *.test.ts exports anything, and nothing under test/ or bench/ imports a test file', async () => {
    const files = [...(await sources(join(ROOT, 'test'))), ...(await sources(join(ROOT, 'bench')))];
    assert.ok(files.some((f) => f.endsWith('handler.test.ts')), 'the scan sees the test sources');
    const exporting: string[] = [];
    const importing: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      if (file.endsWith('.test.ts') && /^export\s/m.test(text)) exporting.push(relative(ROOT, file));
      if (/from\s+['"][^'"]+\.test\.js['"]/.test(text)) importing.push(relative(ROOT, file));
    }
    assert.deepEqual(exporting, [], 'move exported helpers to test/helpers/');
    assert.deepEqual(importing, [], 'import helpers from test/helpers/, never from a test file');
  });
});
