import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { version } from '../../src/cli/main.js';
import { capture } from '../helpers/cli.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../bin/meterkit.js', import.meta.url));

describe('meterkit command', () => {
  it('prints help and the version', async () => {
    const h = await capture(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.out, /Usage:\n {2}meterkit <command>/);
    const v = await capture(['--version']);
    assert.equal(v.out.trim(), version());
    assert.match(version(), /^\d+\.\d+\.\d+/);
  });

  it('names an unknown command and exits 2', async () => {
    const r = await capture(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command "frobnicate"/);
    assert.equal((await capture(['help', 'nope'])).code, 2);
  });

  it('runs as a real executable', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--version']);
    assert.equal(stdout.trim(), version());
    await assert.rejects(run(process.execPath, [BIN, 'nope']), (e: { code?: number; stderr?: string }) => e.code === 2 && /unknown command/.test(e.stderr ?? ''));
  });
});
