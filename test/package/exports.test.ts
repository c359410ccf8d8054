/**
 * Every subpath in package.json `exports` resolves under both conditions (`import`: the ES
 * module build in dist/src, `require`: the CommonJS build in dist/cjs), each with its own
 * types, and both copies expose the same export names. Resolution goes through the package's
 * own name (Node's self-reference), so this reads `exports` exactly as an application does.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { name: string; exports: Record<string, unknown>; main: string; types: string };
const require = createRequire(import.meta.url);

interface Target { types: string; default: string }
interface Conditions { import: Target; require: Target }

// scripts/exports.mjs ESM_ONLY: subpaths with the `import` condition alone
const esmOnly = new Set(Object.keys(pkg.exports).filter((s) => s !== './package.json' && !('require' in (pkg.exports[s] as object))));

const subpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json' && !esmOnly.has(s));
const specifier = (subpath: string): string => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`);

describe('package exports', () => {
  it('package.json agrees with scripts/exports.mjs (add a subpath there, then npm run exports)', async () => {
    await promisify(execFile)(process.execPath, ['scripts/exports.mjs'], { cwd: ROOT });
  });

  it('lists the subpaths, each with import and require conditions and their own types', () => {
    assert.ok(subpaths.length >= 11, `only ${subpaths.length} subpaths`);
    for (const s of subpaths) {
      const c = pkg.exports[s] as Conditions;
      assert.deepEqual(Object.keys(c), ['import', 'require'], s);
      // `types` first: TypeScript takes the first condition that matches
      for (const [cond, dir] of [['import', 'dist/src'], ['require', 'dist/cjs']] as const) {
        assert.deepEqual(Object.keys(c[cond]), ['types', 'default'], `${s} ${cond}`);
        assert.ok(c[cond].default.startsWith(`./${dir}/`) && c[cond].default.endsWith('.js'), `${s} ${cond}: ${c[cond].default}`);
        assert.equal(c[cond].types, c[cond].default.replace(/\.js$/, '.d.ts'), `${s} ${cond}`);
        assert.ok(existsSync(`${ROOT}${c[cond].types}`), `${s} ${cond}: ${c[cond].types} is not built`);
      }
    }
    assert.equal(pkg.main, (pkg.exports['.'] as Conditions).require.default);
    assert.equal(pkg.types, (pkg.exports['.'] as Conditions).require.types);
  });

  it('dist/cjs is marked CommonJS (its .js files are not read as ES modules under "type": "module")', () => {
    assert.deepEqual(JSON.parse(readFileSync(`${ROOT}dist/cjs/package.json`, 'utf8')), { type: 'commonjs' });
  });

  it('the ES-module-only subpaths are the dashboard alone, and require() names them as not exported', async () => {
    assert.deepEqual([...esmOnly], ['./dashboard']);
    for (const s of esmOnly) {
      const c = pkg.exports[s] as { import: Target };
      assert.equal(fileURLToPath(import.meta.resolve(specifier(s))), `${ROOT}${c.import.default.slice(2)}`);
      assert.ok(Object.keys((await import(specifier(s))) as object).length > 0);
      assert.throws(() => require(specifier(s)), (e: unknown) => (e as { code?: string }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED');
    }
  });

  for (const s of subpaths) {
    it(`${specifier(s)} resolves under import and require to the two builds, with the same export names`, async () => {
      const c = pkg.exports[s] as Conditions;
      assert.equal(fileURLToPath(import.meta.resolve(specifier(s))), `${ROOT}${c.import.default.slice(2)}`);
      assert.equal(require.resolve(specifier(s)), `${ROOT}${c.require.default.slice(2)}`);
      const esm = (await import(specifier(s))) as Record<string, unknown>;
      const cjs = require(specifier(s)) as Record<string, unknown>;
      assert.notEqual(esm, cjs);
      const names = Object.keys(esm).sort();
      assert.ok(names.length > 0, `${specifier(s)} exports nothing`);
      assert.deepEqual(Object.keys(cjs).sort(), names);
      for (const n of names) assert.equal(typeof cjs[n], typeof esm[n], `${specifier(s)}: ${n}`);
    });
  }
});
