/**
 * Issue #9 §3: the process collector read /proc through `catch { return null }` (and
 * `readdir(...).catch(() => null)`), so a /proc file that exists but cannot be read (EACCES,
 * EMFILE, EISDIR) silently dropped its figures with no reason anywhere. Now only "no such file"
 * (no procfs: not Linux) leaves figures out quietly; any other failure fails the collection
 * with ERR_METERKIT_PROCESS_METRICS naming the file and the reason, after the rest is updated.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COLLECTOR_ERRORS_METRIC, MeterkitError, Registry } from '../../src/index.js';
import { collectProcessMetrics } from '../../src/collectors/process/index.js';
import { render } from '../../src/prometheus/index.js';
import { tempDir } from '../helpers/tools.js';

describe('regression: the process collector keeps the reason of a failed /proc read', () => {
  it('a /proc file that cannot be read reaches onCollectorError with its path and reason; the rest is updated', async () => {
    const tmp = tempDir('proc');
    // status is a directory: reading it fails with EISDIR; fd and limits are absent
    mkdirSync(join(tmp.dir, 'self', 'status'), { recursive: true });
    const heard: unknown[] = [];
    const reg = new Registry({ onCollectorError: (name, err) => heard.push(name === 'process' ? err : new Error(`collector ${name}`)) });
    const pc = collectProcessMetrics(reg, { procRoot: tmp.dir });
    try {
      await reg.collect();
      assert.equal(heard.length, 1, String(heard));
      const err = heard[0];
      assert.ok(err instanceof MeterkitError);
      assert.equal(err.code, 'ERR_METERKIT_PROCESS_METRICS');
      assert.match(err.message, new RegExp(`${join(tmp.dir, 'self', 'status')}: EISDIR`));
      assert.doesNotMatch(err.message, /limits|\/fd/, 'absent files are not failures');
      assert.equal(reg.view(reg.counter(COLLECTOR_ERRORS_METRIC, { collector: 'process' })).value, 1);
      const text = render(reg);
      assert.match(text, /^nodejs_heap_size_used_bytes [1-9]/m, 'the other figures are still updated');
      assert.doesNotMatch(text, /^process_open_fds /m);
    } finally {
      await pc.close();
      tmp.remove();
    }
  });

  it('no procfs at all (not Linux): the /proc figures are left out, and nothing fails', async () => {
    const tmp = tempDir('noproc');
    const heard: unknown[] = [];
    const reg = new Registry({ onCollectorError: (_name, err) => heard.push(err) });
    const pc = collectProcessMetrics(reg, { procRoot: join(tmp.dir, 'missing') });
    try {
      await reg.collect();
      assert.deepEqual(heard, []);
      const text = render(reg);
      assert.doesNotMatch(text, /^process_(open_fds|max_fds|virtual_memory_bytes|heap_bytes) /m);
      assert.match(text, /^process_resident_memory_bytes [1-9]/m, 'RSS falls back to process.memoryUsage()');
    } finally {
      await pc.close();
      tmp.remove();
    }
  });
});
