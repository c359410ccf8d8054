/**
 * A smoke check in Firefox: playwright-core cannot drive Debian's firefox-esr, so the page is
 * loaded over WebDriver BiDi (test/helpers/firefox-bidi.ts, in a child process) against a real
 * agent; the overview must draw its charts and receive live updates. Screenshot:
 * test-output/dashboard/firefox-overview.png.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BIN } from '../helpers/agents.js';
import { needs, startProcess, waitFor } from '../helpers/tools.js';

const OUT = fileURLToPath(new URL('../../../test-output/dashboard/', import.meta.url));
const DRIVER = fileURLToPath(new URL('../helpers/firefox-bidi.js', import.meta.url));

describe('the dashboard in headless Firefox (smoke)', needs('firefox'), () => {
  let agent: ReturnType<typeof startProcess>;
  let url = '';
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    agent = startProcess(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--no-stream']);
    url = await waitFor(async () => /serving (http:\/\/[\d.]+:\d+)\/metrics/.exec(agent.output())?.[1], 30_000, `the agent's address (log: ${agent.output()})`);
  });
  after(async () => {
    await agent?.stop();
  });

  it('draws the overview charts and updates them live', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--experimental-websocket', '--no-warnings', DRIVER, `${url}/#overview`, `${OUT}firefox-overview.png`], { timeout: 120_000 });
    const r = JSON.parse(stdout) as { ready: string | null; updates: number; charts: number; ink: number; error?: string };
    assert.equal(r.error, undefined);
    assert.equal(r.ready, 'overview');
    // CPU, memory and lag always chart; GC only once the young agent has collected garbage
    assert.ok(r.charts >= 3, `${r.charts} charts`);
    assert.ok(r.ink > 20, `${r.ink} pixels of the line colour`);
    assert.ok(r.updates >= 2, `${r.updates} live updates`);
  });
});
