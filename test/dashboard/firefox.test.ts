/**
 * Every view in Firefox: playwright-core cannot drive Debian's firefox-esr, so the page is
 * loaded over WebDriver BiDi (test/helpers/firefox-bidi.ts, in a child process) against a real
 * agent with real data (the process collector, a proxy with two backends and traffic, a
 * monitor whose peer has gone down, a notification endpoint that refuses). Each view is checked
 * for what the Chromium test checks where BiDi allows (script evaluation stands in for
 * playwright's typing and clicking): charts draw (pixels of the line colour on the canvas) and
 * update live, search filters and a picked family charts, both backends up and the rates
 * charted, the peer down with its alert, dead letters and a replay, the containers view saying
 * how to turn Docker on. Screenshots: test-output/dashboard/firefox-VIEW.png. No auth here: a
 * headless Firefox has nobody to answer its credentials prompt (the Chromium test covers auth).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BIN } from '../helpers/agents.js';
import type { TestBackend } from '../helpers/backends.js';
import { startBackend } from '../helpers/backends.js';
import type { ViewProbe } from '../helpers/firefox-bidi.js';
import { freePort, needs, startProcess, tempDir, waitFor } from '../helpers/tools.js';

const OUT = fileURLToPath(new URL('../../../test-output/dashboard/', import.meta.url));
const DRIVER = fileURLToPath(new URL('../helpers/firefox-bidi.js', import.meta.url));

type Proc = ReturnType<typeof startProcess>;

async function agent(args: string[]): Promise<{ p: Proc; url: string }> {
  const p = startProcess(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--no-stream', ...args]);
  const url = await waitFor(async () => /serving (http:\/\/[\d.]+:\d+)\/metrics/.exec(p.output())?.[1], 30_000, `the agent's address (log: ${p.output()})`);
  return { p, url };
}

/*
 * The probes run in the page (see firefox-bidi.ts): strings, as the test build has no DOM types.
 * `ink(selector, rgb, topFraction)` counts pixels of a colour (±24 per channel) on the first
 * canvas matching selector (its top fraction): a line of that colour was drawn there.
 */
const INK = `const ink = (sel, rgb = [11, 92, 173], top = 1) => {
  const c = document.querySelector(sel);
  if (c === null) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, Math.ceil(c.height * top)).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - rgb[0]) < 24 && Math.abs(d[i + 1] - rgb[1]) < 24 && Math.abs(d[i + 2] - rgb[2]) < 24 && d[i + 3] > 128) n++;
  return n;
};
const st = (window.__probe ??= { step: 0 });`;
const probe = (body: string): string => `(() => { ${INK}\n${body} })()`;

const PROBES: Record<string, string> = {
  // the first two updates are counted from the first probe: live updates arrive in Firefox too
  overview: probe(`
    const updates = Number(document.getElementById('live')?.dataset.updates ?? 0);
    st.first ??= updates;
    const inks = Object.fromEntries(['CPU (cores)', 'Memory', 'Event-loop lag'].map((t) => [t, ink('[data-chart="' + t + '"] canvas')]));
    const charts = document.querySelectorAll('[data-chart] canvas').length;
    const gcCard = document.querySelectorAll('[data-chart="GC time per second"]').length;
    const live = updates - st.first;
    return JSON.stringify({ charts, gcCard, inks, live, done: charts >= 3 && gcCard === 1 && live >= 2 && Object.values(inks).every((n) => n > 20) });`),
  explorer: probe(`
    const fams = () => [...document.querySelectorAll('[data-family]')].map((b) => b.dataset.family);
    if (st.step === 0 && fams().length > 0) {
      st.all = fams().length;
      const s = document.getElementById('search');
      s.value = 'heap_size';
      s.dispatchEvent(new Event('input'));
      st.step = 1;
    } else if (st.step === 1) {
      const n = fams();
      if (n.length > 0 && n.length < st.all && n.every((f) => f.includes('heap_size'))) {
        st.filtered = n;
        document.querySelector('[data-family="nodejs_heap_size_used_bytes"]').click();
        st.step = 2;
      }
    }
    const picked = ink('[data-chart="nodejs_heap_size_used_bytes"] canvas');
    return JSON.stringify({ all: st.all ?? 0, filtered: st.filtered ?? [], picked, done: st.step === 2 && picked > 20 });`),
  containers: probe(`
    const off = document.querySelector('[data-off]')?.textContent ?? '';
    return JSON.stringify({ off, done: off.includes('--docker') });`),
  proxy: probe(`
    const backends = [...document.querySelectorAll('[data-backend]')].map((r) => r.dataset.backend);
    const up = document.querySelectorAll('[data-backend] td.up').length;
    const rx = ink('canvas[data-rates]');
    const tx = ink('canvas[data-rates]', [180, 35, 24], 0.5);
    return JSON.stringify({ backends, up, rx, tx, done: up === 2 && rx > 20 && tx > 5 });`),
  peers: probe(`
    const row = document.querySelector('tr[data-peer="p1"]')?.dataset.state ?? null;
    const alerts = [...document.querySelectorAll('li[data-alert]')].map((l) => l.dataset.alert);
    return JSON.stringify({ row, alerts, done: row === 'down' && alerts.includes('down') });`),
  notifications: probe(`
    const endpoint = document.querySelector('tr[data-endpoint="hooks"]') !== null;
    const letter = document.body.textContent.includes('test.fired');
    if (st.step === 0 && endpoint && letter) {
      document.querySelector('tr[data-endpoint="hooks"] button').click();
      st.step = 1;
    }
    const said = document.querySelector('p[aria-live]')?.textContent ?? '';
    return JSON.stringify({ endpoint, letter, said, done: /replayed [1-9]\\d* event/.test(said) });`),
};

describe('the dashboard in headless Firefox: every view', needs('firefox'), () => {
  let backends: TestBackend[] = [];
  let main: { p: Proc; url: string };
  let peer: { p: Proc; url: string } | undefined;
  let proxyPort = 0;
  const dir = tempDir('firefox-spec');
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    backends = await Promise.all([startBackend('a', { answer: 'hello from a\n' }), startBackend('b', { answer: 'hello from b\n' })]);
    // nothing listens there: every delivery fails at once and, with max-attempts=1, is dead-lettered
    const dead = await freePort();
    main = await agent([
      '--proxy-bind', '127.0.0.1:0', '--backend', backends[0]!.address, '--backend', backends[1]!.address, '--strategy', 'roundrobin',
      '--monitor', '--monitor-check-interval', '200ms',
      '--notify', `http://127.0.0.1:${dead}/hook,name=hooks,max-attempts=1,backoff=10ms,timeout=1s`, '--notify-queue', 'memory',
    ]);
    proxyPort = Number(await waitFor(async () => /proxy "default" on [\d.]+:(\d+)/.exec(main.p.output())?.[1], 10_000, 'the proxy port'));
    peer = await agent(['--no-process', '--report-to', main.url, '--peer-id', 'p1', '--report-interval', '200ms', '--report-ttl', '1s']);
  });
  after(async () => {
    await peer?.p.stop();
    await main?.p.stop();
    await Promise.all(backends.map((b) => b.stop()));
    dir.remove();
  });

  it('loads every view: charts draw and update, search filters, tables fill, replay works', async () => {
    // the peer reports, then stops: its down alert is raised before the page opens, and the
    // timeline (the monitor's recent alerts) shows it all the same
    const peers = async (): Promise<Array<{ peer: string; state: string }>> => (await (await fetch(`${main.url}/monitor/v1/peers`)).json()) as Array<{ peer: string; state: string }>;
    await waitFor(async () => ((await peers()).some((r) => r.peer === 'p1' && r.state === 'up') ? true : undefined), 15_000, 'p1 up');
    await peer?.p.stop();
    peer = undefined;
    await waitFor(async () => ((await peers()).some((r) => r.peer === 'p1' && r.state === 'down') ? true : undefined), 15_000, 'p1 down');
    const post = await fetch(`${main.url}/notify/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ action: 'test.fired', target: { type: 'test', id: 't1' } }]),
    });
    assert.equal(post.status, 202, await post.text());
    const spec: ViewProbe[] = Object.entries(PROBES).map(([view, p]) => ({ view, shot: `${OUT}firefox-${view}.png`, probe: p }));
    const specFile = `${dir.dir}/spec.json`;
    writeFileSync(specFile, JSON.stringify(spec));
    // traffic through the proxy while Firefox runs, so the proxy view's rates are above zero
    let flowing = true;
    const traffic = (async () => {
      while (flowing) {
        const s = connect(proxyPort, '127.0.0.1');
        s.on('error', () => undefined);
        s.end('x'.repeat(50_000));
        s.resume();
        await new Promise((r) => s.once('close', r));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(process.execPath, ['--experimental-websocket', '--no-warnings', DRIVER, main.url, specFile], { timeout: 300_000 }));
    } finally {
      flowing = false;
      await traffic;
    }
    const r = JSON.parse(stdout) as { views: Record<string, { ready: string | null; done?: boolean } & Record<string, unknown>>; error?: string };
    assert.equal(r.error, undefined);
    for (const view of Object.keys(PROBES)) {
      const v = r.views[view];
      assert.equal(v?.ready, view, `${view} opened: ${JSON.stringify(v)}`);
      assert.equal(v?.done, true, `${view}: ${JSON.stringify(v)}`);
    }
  });
});
