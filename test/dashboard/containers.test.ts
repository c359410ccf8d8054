/**
 * The containers view in headless Chromium against a real agent collecting from a real engine
 * (Podman's Docker API): a running container shows up with its state, CPU, memory and network.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { BIN } from '../helpers/agents.js';
import type { Engine } from '../helpers/podman.js';
import { startEngine } from '../helpers/podman.js';
import { needs, startProcess, waitFor } from '../helpers/tools.js';

const OUT = fileURLToPath(new URL('../../../test-output/dashboard/', import.meta.url));

describe('the containers view with a real engine (Podman)', { ...needs('chromium', 'podman'), timeout: 180_000 }, () => {
  const name = `meterkit-dash-${process.pid}`;
  let engine: Engine | undefined;
  let agent: ReturnType<typeof startProcess> | undefined;
  let browser: Browser | undefined;
  let url = '';

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    engine = await startEngine();
    await engine.container(name, ['sh', '-c', 'yes > /dev/null']);
    agent = startProcess(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--no-stream', '--docker', engine.url]);
    const a = agent;
    url = await waitFor(async () => /serving (http:\/\/[\d.]+:\d+)\/metrics/.exec(a.output())?.[1], 30_000, `the agent's address (log: ${a.output()})`);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  });
  after(async () => {
    await browser?.close();
    await agent?.stop();
    await engine?.dispose();
  });

  it('lists the running container with its figures', async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}/#containers`);
    await page.waitForSelector('main[data-ready="containers"]');
    const row = await waitFor(
      async () => {
        const cells = await page.evaluate<string[] | null>(`(() => {
          const tr = [...document.querySelectorAll('tr[data-container]')].find((r) => r.dataset.container === ${JSON.stringify(name)});
          return tr ? [...tr.children].map((td) => td.textContent) : null;
        })()`);
        // the collector fills CPU and memory once it has two stats samples
        return cells !== null && cells.every((c) => c !== '–') ? cells : undefined;
      },
      60_000,
      `a full row for ${name}`,
    );
    assert.equal(row[1], 'running');
    assert.match(row[3] as string, /B$/, 'memory in bytes');
    await page.screenshot({ path: `${OUT}containers-podman.png` });
  });
});
