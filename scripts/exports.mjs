// The subpaths of the package and the one rule that turns each into package.json `exports`:
// an `import` condition (ES modules, dist/src) and a `require` condition (CommonJS, dist/cjs),
// each with its own `types`. Adding a subpath is one line in SUBPATHS, then
// `npm run exports` (rewrites package.json); `npm run build` fails while they disagree.
//
//   node scripts/exports.mjs           check package.json against SUBPATHS (exit 1 if stale)
//   node scripts/exports.mjs --write   rewrite package.json `exports`, `main`, `types`
import { readFileSync, writeFileSync } from 'node:fs';

/** Public subpath → its folder under src/ ('' for the root). */
export const SUBPATHS = {
  '.': '',
  './prometheus': 'prometheus',
  './json': 'json',
  './process': 'collectors/process',
  './http': 'http',
  './tcp': 'tcp',
  './observer': 'observer',
  './docker': 'collectors/docker',
  './proxy': 'proxy',
  './monitor': 'monitor',
  './notify': 'notify',
  './cluster': 'cluster',
  './prom-client': 'prom-client',
  './remote-write': 'remote-write',
};

/**
 * Subpaths shipped as ES modules only. The dashboard finds its page files beside its own module
 * through `import.meta.url`, which CommonJS has no spelling for; it is the agent's web page, mounted
 * by the agent (ESM) or by an application's own server from an ES module.
 */
export const ESM_ONLY = {
  './dashboard': 'dashboard',
};

/** The `exports` entry of one subpath (only the `import` condition when `esmOnly`). */
function entry(dir, esmOnly = false) {
  const at = (root) => (dir === '' ? `${root}/index` : `${root}/${dir}/index`);
  const esm = { import: { types: `${at('./dist/src')}.d.ts`, default: `${at('./dist/src')}.js` } };
  return esmOnly ? esm : { ...esm, require: { types: `${at('./dist/cjs')}.d.ts`, default: `${at('./dist/cjs')}.js` } };
}

/** package.json `exports` for SUBPATHS. */
export function packageExports() {
  const out = {};
  for (const [subpath, dir] of Object.entries(SUBPATHS)) out[subpath] = entry(dir);
  for (const [subpath, dir] of Object.entries(ESM_ONLY)) out[subpath] = entry(dir, true);
  out['./package.json'] = './package.json';
  return out;
}

const file = new URL('../package.json', import.meta.url);
const text = readFileSync(file, 'utf8');
const pkg = JSON.parse(text);
// legacy resolvers (no `exports`) get the CommonJS root
const wanted = { main: entry('').require.default, types: entry('').require.types, exports: packageExports() };
const stale = Object.keys(wanted).filter((k) => JSON.stringify(pkg[k]) !== JSON.stringify(wanted[k]));
if (process.argv.includes('--write')) {
  Object.assign(pkg, wanted);
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (stale.length > 0) {
  console.error(`package.json ${stale.join(', ')} disagree with scripts/exports.mjs SUBPATHS: run \`npm run exports\``);
  process.exit(1);
}
