/**
 * The dashboard in a real headless browser (Debian's chromium, driven by playwright-core; no
 * browser download) against a real agent process with real data: the process collector, a
 * proxy with two backends, a monitor with a peer that goes down, a notification endpoint that
 * refuses (so dead letters pile up). Screenshots of every view go to test-output/dashboard/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { BIN } from '../helpers/agents.js';
import type { TestBackend } from '../helpers/backends.js';
import { startBackend } from '../helpers/backends.js';
import { freePort, needs, startProcess, waitFor } from '../helpers/tools.js';

const OUT = fileURLToPath(new URL('../../../test-output/dashboard/', import.meta.url));
const USER = 'viewer';
const PASS = 'pa55-word';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;
const VIEWS = ['overview', 'explorer', 'containers', 'proxy', 'peers', 'notifications'] as const;

type Proc = ReturnType<typeof startProcess>;

async function agent(args: string[]): Promise<{ p: Proc; url: string }> {
  const p = startProcess(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--no-stream', ...args]);
  const url = await waitFor(async () => /serving (http:\/\/[\d.]+:\d+)\/metrics/.exec(p.output())?.[1], 30_000, `the agent's address (log: ${p.output()})`);
  return { p, url };
}

/*
 * The page-side code is given as strings: the test build has no DOM types (tsconfig lib ES2022),
 * and these few lines are easier to read than stubs of HTMLCanvasElement.
 */

/** Pixels of a canvas (its top `topFraction`) in the given colour (±24 per channel): a line of that colour was drawn there. */
function inkOf(page: Page, selector: string, rgb: [number, number, number], topFraction = 1): Promise<number> {
  return page.evaluate(`(() => {
    const c = document.querySelector(${JSON.stringify(selector)});
    if (c === null) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, Math.ceil(c.height * ${topFraction})).data;
    const w = ${JSON.stringify(rgb)};
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - w[0]) < 24 && Math.abs(d[i + 1] - w[1]) < 24 && Math.abs(d[i + 2] - w[2]) < 24 && d[i + 3] > 128) n++;
    return n;
  })()`);
}

/** Pixels of the canvases matching `selector` that are blue-ish (heatmap cells, whatever their shade). */
function bluish(page: Page, selector: string): Promise<number> {
  return page.evaluate(`(() => {
    let n = 0;
    for (const c of document.querySelectorAll(${JSON.stringify(selector)})) {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) if (d[i + 2] - d[i] > 20) n++;
    }
    return n;
  })()`);
}

/** Work for the agent that allocates (renders of /metrics and /debug/vars): young-generation GCs follow. */
async function churn(url: string): Promise<void> {
  await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const r = await fetch(`${url}${i % 2 === 0 ? '/metrics' : '/debug/vars'}`, { headers: { authorization: BASIC } });
      await r.arrayBuffer();
    }),
  );
}

/** The data-family names listed now. */
function familiesListed(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('[data-family]')].map((b) => b.dataset.family)`);
}

const BLUE: [number, number, number] = [11, 92, 173];
const RED: [number, number, number] = [180, 35, 24];

async function open(page: Page, url: string, view: string): Promise<void> {
  await page.goto(`${url}/#${view}`);
  await page.waitForSelector(`main[data-ready="${view}"]`, { timeout: 30_000 });
}

async function updates(page: Page): Promise<number> {
  return Number((await page.getAttribute('#live', 'data-updates')) ?? '0');
}

describe('the dashboard in headless Chromium', needs('chromium'), () => {
  let backends: TestBackend[] = [];
  let main: { p: Proc; url: string };
  let peer: { p: Proc; url: string };
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let proxyPort = 0;
  const foreign: string[] = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    backends = await Promise.all([startBackend('a', { answer: 'hello from a\n' }), startBackend('b', { answer: 'hello from b\n' })]);
    // nothing listens there: every delivery fails at once and, with max-attempts=1, is dead-lettered
    const dead = await freePort();
    main = await agent([
      '--basic-auth', `${USER}:${PASS}`,
      '--proxy-bind', '127.0.0.1:0', '--backend', backends[0]!.address, '--backend', backends[1]!.address, '--strategy', 'roundrobin',
      '--monitor', '--monitor-check-interval', '200ms',
      '--notify', `http://127.0.0.1:${dead}/hook,name=hooks,max-attempts=1,backoff=10ms,timeout=1s`, '--notify-queue', 'memory',
    ]);
    proxyPort = Number(await waitFor(async () => /proxy "default" on [\d.]+:(\d+)/.exec(main.p.output())?.[1], 10_000, 'the proxy port'));
    peer = await agent(['--no-process', '--report-to', main.url, '--peer-id', 'p1', '--report-interval', '200ms', '--report-ttl', '1s', '--report-basic-auth', `${USER}:${PASS}`]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
    ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: { username: USER, password: PASS } });
    page = await ctx.newPage();
    page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
    // fully offline: every request the page makes goes to the agent
    ctx.on('request', (r) => {
      if (!r.url().startsWith(`${main.url}/`)) foreign.push(r.url());
    });
  });

  after(async () => {
    await browser?.close();
    await peer?.p.stop();
    await main?.p.stop();
    await Promise.all(backends.map((b) => b.stop()));
  });

  it('enforces the agent auth on the page, its assets and its API', async () => {
    for (const path of ['/', '/dashboard/app.js', '/api/v1/status', '/api/v1/events?series=process_cpu_seconds_total']) {
      const r = await fetch(`${main.url}${path}`);
      assert.equal(r.status, 401, path);
      await r.body?.cancel();
    }
    // headless Chromium either shows the 401 or, having nobody to ask, fails the navigation
    for (const creds of [undefined, { username: USER, password: 'wrong' }]) {
      const c = await browser.newContext(creds === undefined ? {} : { httpCredentials: creds });
      const p = await c.newPage();
      const status = await p.goto(`${main.url}/`).then(
        (r) => r?.status(),
        (err: Error) => (/ERR_INVALID_AUTH_CREDENTIALS/.test(err.message) ? 401 : err.message),
      );
      assert.equal(status, 401, creds === undefined ? 'no credentials' : 'wrong password');
      await c.close();
    }
    const ok = await fetch(`${main.url}/`, { headers: { authorization: BASIC } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /<title>meterkit<\/title>/);
  });

  it('overview: process charts draw and update live', async () => {
    await open(page, main.url, 'overview');
    // CPU, memory and lag always chart; the GC card charts once the agent has collected garbage
    // (a young agent on a busy machine may not have yet: then it says "no series yet")
    const charts = await page.$$('[data-chart] canvas');
    assert.ok(charts.length >= 3, `${charts.length} charts`);
    assert.equal((await page.$$('[data-chart="GC time per second"]')).length, 1, 'the GC card');
    const first = await updates(page);
    await waitFor(async () => ((await updates(page)) >= first + 2 ? true : undefined), 15_000, 'two live updates');
    for (const title of ['CPU (cores)', 'Memory', 'Event-loop lag']) {
      const ink = await waitFor(async () => ((await inkOf(page, `[data-chart="${title}"] canvas`, BLUE)) > 20 ? true : undefined), 15_000, `a line on "${title}"`);
      assert.ok(ink);
    }
    await page.screenshot({ path: `${OUT}overview.png` });
  });

  it('explorer: search filters families; a picked family charts live', async () => {
    await open(page, main.url, 'explorer');
    const all = (await familiesListed(page)).length;
    await page.fill('#search', 'heap_size');
    await waitFor(async () => {
      const names = await familiesListed(page);
      return names.length > 0 && names.length < all && names.every((n) => n.includes('heap_size')) ? true : undefined;
    }, 10_000, 'the list filtered to heap_size families');
    await page.click('[data-family="nodejs_heap_size_used_bytes"]');
    await waitFor(async () => ((await inkOf(page, '[data-chart="nodejs_heap_size_used_bytes"] canvas', BLUE)) > 20 ? true : undefined), 15_000, 'the picked series drawn');
    await page.screenshot({ path: `${OUT}explorer.png` });
  });

  it('proxy: both backends up, bytes counted and charted as they flow', async () => {
    await open(page, main.url, 'proxy');
    await page.waitForSelector(`[data-backend="${backends[0]!.address}"]`);
    assert.equal(await page.$$eval('[data-backend] td.up', (t) => t.length), 2);
    for (let i = 0; i < 4; i++) {
      const s = connect(proxyPort, '127.0.0.1');
      s.end('x'.repeat(50_000));
      s.resume();
      await new Promise((r) => s.once('close', r));
    }
    // the clients sent 200 kB: the tx line (red) rises into the upper half of the chart
    await waitFor(async () => ((await inkOf(page, 'canvas[data-rates]', RED, 0.5)) > 5 ? true : undefined), 15_000, 'the tx rate drawn above zero');
    assert.ok((await inkOf(page, 'canvas[data-rates]', BLUE)) > 20, 'the rx line drawn');
    await page.screenshot({ path: `${OUT}proxy.png` });
  });

  it('peers: the table shows p1 up, then down with an alert on the timeline when it stops', async () => {
    await open(page, main.url, 'peers');
    await page.waitForSelector('tr[data-peer="p1"][data-state="up"]', { timeout: 15_000 });
    await peer.p.stop();
    await page.waitForSelector('tr[data-peer="p1"][data-state="down"]', { timeout: 15_000 });
    await page.waitForSelector('li[data-alert="down"]');
    await page.screenshot({ path: `${OUT}peers.png` });
  });

  it('notifications: the endpoint, its failures, dead letters and a replay', async () => {
    const post = await fetch(`${main.url}/notify/v1/events`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/json' },
      body: JSON.stringify([{ action: 'test.fired', target: { type: 'test', id: 't1' } }]),
    });
    assert.equal(post.status, 202, await post.text());
    await open(page, main.url, 'notifications');
    await page.waitForSelector('tr[data-endpoint="hooks"]');
    await page.waitForSelector('text=test.fired', { timeout: 15_000 });
    await page.click('tr[data-endpoint="hooks"] button');
    await page.waitForSelector('text=/replayed [1-9]\\d* event/');
    await page.screenshot({ path: `${OUT}notifications.png` });
  });

  it('explorer: a histogram as quantiles, then as a heatmap', async () => {
    // the agent is given work until it collects garbage (its GC series are sampled from its start)
    const gc = await waitFor(async () => {
      await churn(main.url);
      const r = await fetch(`${main.url}/api/v1/series?family=nodejs_gc_duration_seconds`, { headers: { authorization: BASIC } });
      const body = (await r.json()) as { series: Array<{ id: string; values: number[] }> };
      return body.series.find((x) => (x.values[0] ?? 0) > 0)?.id;
    }, 60_000, 'a garbage collection');
    await open(page, main.url, 'explorer');
    await page.fill('#search', 'gc_duration');
    await page.waitForSelector('[data-family="nodejs_gc_duration_seconds"]');
    await page.click('[data-family="nodejs_gc_duration_seconds"]');
    await waitFor(async () => ((await inkOf(page, '[data-chart^="nodejs_gc_duration_seconds"] canvas', BLUE)) > 0 ? true : undefined), 15_000, `the p50 line of ${gc}`);
    await page.screenshot({ path: `${OUT}explorer-quantiles.png` });
    await page.selectOption('select[aria-label="chart mode"]', 'heatmap');
    await page.waitForSelector('canvas[data-heatmap]');
    // cells are observations between two samples: keep the agent collecting while the heatmap is up
    await waitFor(async () => {
      await churn(main.url);
      return (await bluish(page, 'canvas[data-heatmap]')) > 0 ? true : undefined;
    }, 60_000, 'heatmap cells');
    await page.screenshot({ path: `${OUT}explorer-heatmap.png` });
  });

  it('containers: says how to turn the Docker collector on', async () => {
    await open(page, main.url, 'containers');
    assert.match(await page.innerText('[data-off]'), /--docker/);
    await page.screenshot({ path: `${OUT}containers.png` });
  });

  it('keyboard: Tab reaches every tab with a visible focus; Enter opens a view', async () => {
    await open(page, main.url, 'overview');
    const reached = new Set<string>();
    for (let i = 0; i < 12 && reached.size < VIEWS.length; i++) {
      await page.keyboard.press('Tab');
      const v = await page.evaluate<string | undefined>(`document.activeElement?.dataset.view`);
      if (v !== undefined) {
        reached.add(v);
        const outline = await page.evaluate<string>(`getComputedStyle(document.activeElement).outlineStyle`);
        assert.notEqual(outline, 'none', `focus visible on ${v}`);
      }
    }
    assert.deepEqual([...reached].sort(), [...VIEWS].sort());
    await page.focus('button[data-view="peers"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('main[data-ready="peers"]');
  });

  it('asked nothing of any other origin', () => {
    assert.deepEqual(foreign, []);
  });

  it('fits a narrow window without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    for (const v of ['overview', 'explorer', 'proxy'] as const) {
      await open(page, main.url, v);
      const [scroll, width] = await page.evaluate<[number, number]>(`[document.documentElement.scrollWidth, window.innerWidth]`);
      assert.ok(scroll <= width, `${v}: page ${scroll} px wide in a ${width} px window`);
      await page.screenshot({ path: `${OUT}${v}-narrow.png`, fullPage: false });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
