import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAgentArgs } from '../../src/cli/main.js';
import { capture } from '../helpers/cli.js';

describe('meterkit agent --cluster flags', () => {
  it('parses --cluster and --cluster-workers', () => {
    const c = parseAgentArgs(['--cluster', 'app.js', '--cluster-workers', '4']);
    assert.ok(c !== 'help');
    assert.deepEqual(c.cluster, { file: 'app.js', workers: 4 });
    const d = parseAgentArgs(['--cluster', 'app.js']);
    assert.ok(d !== 'help' && d.cluster !== undefined && d.cluster.workers >= 1);
  });

  it('refuses --cluster-workers without --cluster, and a bad count, with exit 2', async () => {
    for (const args of [['--cluster-workers', '2'], ['--cluster', 'a.js', '--cluster-workers', '0'], ['--cluster', 'a.js', '--cluster-workers', 'x'], ['--cluster', '']]) {
      const r = await capture(['agent', '--no-stream', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /--cluster/);
    }
  });

  it('lists the flags in the agent help', async () => {
    const r = await capture(['agent', '--help']);
    assert.match(r.out, /--cluster <file>/);
    assert.match(r.out, /--cluster-workers <n>/);
  });
});
