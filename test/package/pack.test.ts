/**
 * The package as a user gets it: `npm pack`, installed into a new project, then used by a
 * CommonJS application, an ES module application and one process that mixes both; and
 * TypeScript type-checks a .cts and a .mts consumer against the installed types.
 *
 * Installed offline: the tarball is unpacked into node_modules/meterkit as npm does, and its
 * dependencies are links to this repository's node_modules (`npm install --offline` would need
 * registry documents `npm ci` does not cache, and would compile better-sqlite3 for minutes).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NPM_FLAGS = ['--ignore-scripts', '--loglevel=error'];

// what every application checks: both import styles reach the same API and the optional transports load
const CJS_APP = `
const meterkit = require('meterkit');
const { render } = require('meterkit/prometheus');
require('meterkit/notify');
require('meterkit/monitor');
const registry = new meterkit.Registry();
registry.registerCounter('app_requests_total', { route: 'cjs' }).increment(2);
let code;
try { registry.registerCounter('bad name'); } catch (err) { code = err instanceof meterkit.MeterkitError ? err.code : 'not a MeterkitError'; }
console.log(JSON.stringify({ text: render(registry), code }));
`;
const ESM_APP = `
import { MeterkitError, Registry } from 'meterkit';
import { render } from 'meterkit/prometheus';
await import('meterkit/notify');
await import('meterkit/monitor');
const registry = new Registry();
registry.registerCounter('app_requests_total', { route: 'esm' }).increment(2);
let code;
try { registry.registerCounter('bad name'); } catch (err) { code = err instanceof MeterkitError ? err.code : 'not a MeterkitError'; }
console.log(JSON.stringify({ text: render(registry), code }));
`;
// records through require('meterkit')'s facade, reads through import('meterkit')'s
const MIXED_APP = `
const cjs = require('meterkit');
const registry = new cjs.Registry();
cjs.setGlobalRecorder(registry);
cjs.counter('mixed_total').increment(3);
import('meterkit').then(async (esm) => {
  const { render } = await import('meterkit/prometheus');
  esm.counter('mixed_total').increment(2);
  let crossCopyError = false;
  try { new esm.Registry().registerCounter('bad name'); } catch (err) { crossCopyError = err instanceof cjs.MeterkitError; }
  console.log(JSON.stringify({
    twoCopies: esm.Registry !== cjs.Registry,
    sameRecorder: esm.getGlobalRecorder() === registry,
    hasRecorder: esm.hasGlobalRecorder(),
    text: render(esm.getGlobalRecorder()),
    crossCopyError,
  }));
});
`;
// each @ts-expect-error proves the types are real (it is itself an error if the line type-checks, as with `any`)
const TS_CONSUMER = (importLines: string): string => `${importLines}
const registry: Registry = new Registry();
const text: string = render(registry);
counter('typed_total').increment(1);
// @ts-expect-error increment takes a number
counter('typed_total').increment('1');
// @ts-expect-error render returns a string
const n: number = render(registry);
console.log(text, n);
`;
const CTS = TS_CONSUMER(`import { Registry, counter } from 'meterkit';\nimport { render } from 'meterkit/prometheus';\nimport type { Monitor } from 'meterkit/monitor';\ntype M = Monitor;\nconst monitor: M | undefined = undefined;\nconsole.log(monitor);`);
const MTS = TS_CONSUMER(`import { Registry, counter } from 'meterkit';\nimport { render } from 'meterkit/prometheus';\nimport type { NotifyEvent } from 'meterkit/notify';\ntype E = NotifyEvent;\nconst event: E | undefined = undefined;\nconsole.log(event);`);

describe('the packed package, installed into a new project', () => {
  let dir: string;
  let app: string;
  let files: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meterkit-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/ under the tests that are running from it
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir, ...NPM_FLAGS], { cwd: ROOT, maxBuffer: 64 << 20 });
    const packed = (JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0];
    assert.ok(packed !== undefined);
    files = packed.files.map((f) => f.path);
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    const installed = join(app, 'node_modules/meterkit');
    mkdirSync(installed, { recursive: true });
    await run('tar', ['-xzf', join(dir, packed.filename), '-C', installed, '--strip-components=1']);
    const deps = (JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
    for (const name of Object.keys(deps)) {
      mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    }
    writeFileSync(join(app, 'app.cjs'), CJS_APP);
    writeFileSync(join(app, 'app.mjs'), ESM_APP);
    writeFileSync(join(app, 'mixed.cjs'), MIXED_APP);
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const node = async (file: string): Promise<Record<string, unknown>> => {
    const { stdout } = await run(process.execPath, [file], { cwd: app });
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  it('the tarball holds both builds: every exports target, its types, and dist/cjs/package.json', () => {
    const targets = JSON.stringify(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).exports).match(/"\.\/[^"]+\.(?:js|ts|json)"/g) ?? [];
    assert.ok(targets.length >= 44, `only ${targets.length} exports targets`);
    for (const t of [...targets.map((q) => (JSON.parse(q) as string).slice(2)), 'dist/cjs/package.json']) assert.ok(files.includes(t), `${t} is not in the tarball`);
    assert.deepEqual(files.filter((f) => f.startsWith('dist/test/') || f.startsWith('dist/cjs/cli/')), []);
  });

  it('a CommonJS application require()s it', async () => {
    const out = await node('app.cjs');
    assert.match(out.text as string, /^app_requests_total\{route="cjs"\} 2$/m);
    assert.equal(out.code, 'ERR_METERKIT_INVALID_NAME');
  });

  it('an ES module application imports it', async () => {
    const out = await node('app.mjs');
    assert.match(out.text as string, /^app_requests_total\{route="esm"\} 2$/m);
    assert.equal(out.code, 'ERR_METERKIT_INVALID_NAME');
  });

  it('a process that both requires and imports it records into one global recorder', async () => {
    const out = await node('mixed.cjs');
    assert.deepEqual({ ...out, text: undefined }, { twoCopies: true, sameRecorder: true, hasRecorder: true, text: undefined, crossCopyError: true });
    assert.match(out.text as string, /^mixed_total 5$/m);
  });

  it('TypeScript type-checks a .cts consumer (require types) and a .mts consumer (import types)', async () => {
    writeFileSync(join(app, 'consumer.cts'), CTS);
    writeFileSync(join(app, 'consumer.mts'), MTS);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true,
        skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      files: ['consumer.cts', 'consumer.mts'],
    }));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', '.', '--listFilesOnly'], { cwd: app });
    const listed = result.stdout.split('\n');
    // each consumer got the declarations of its own condition
    assert.ok(listed.some((f) => f.endsWith('node_modules/meterkit/dist/cjs/index.d.ts')), 'the .cts consumer did not read dist/cjs types');
    assert.ok(listed.some((f) => f.endsWith('node_modules/meterkit/dist/src/index.d.ts')), 'the .mts consumer did not read dist/src types');
    await run(process.execPath, [tsc, '-p', '.'], { cwd: app });
  });
});
