/**
 * Drives a page in Debian's headless `firefox-esr` over WebDriver BiDi (playwright-core cannot
 * drive a stock Firefox). Run as a child process with `node --experimental-websocket` (Node 20
 * has no global WebSocket without it):
 *   node --experimental-websocket firefox-bidi.js BASE_URL SPEC.json
 * SPEC.json: `[{view, shot, probe}]`. For each entry, in one Firefox session, the page is
 * opened at `BASE_URL/#view`; once `main[data-ready=view]` is set, `probe` (a JavaScript
 * expression that returns a JSON string of an object; it may act on the page, e.g. type or
 * click, as a user would) is evaluated every 250 ms until its object has `done: true` or 30 s
 * have passed; then a screenshot is written to `shot`. Prints one JSON line:
 * `{views: {VIEW: lastProbeObject}, error?}`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Bidi {
  send(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): void;
}

function connectBidi(url: string): Promise<Bidi> {
  const WS = (globalThis as unknown as { WebSocket: new (u: string) => { onopen: () => void; onerror: (e: unknown) => void; onmessage: (m: { data: string }) => void; send(s: string): void; close(): void } }).WebSocket;
  const ws = new WS(url);
  let id = 0;
  const waiting = new Map<number, [(v: Record<string, unknown>) => void, (e: Error) => void]>();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data) as { id?: number; type: string; result?: Record<string, unknown>; message?: string; error?: string };
    const w = msg.id === undefined ? undefined : waiting.get(msg.id);
    if (w === undefined) return;
    waiting.delete(msg.id as number);
    if (msg.type === 'error') w[1](new Error(`${msg.error ?? ''}: ${msg.message ?? ''}`));
    else w[0](msg.result ?? {});
  };
  return new Promise((resolve, reject) => {
    ws.onerror = (e) => reject(new Error(`BiDi connection to ${url} failed: ${String(e)}`));
    ws.onopen = () =>
      resolve({
        send: (method, params) =>
          new Promise((res, rej) => {
            const n = ++id;
            waiting.set(n, [res, rej]);
            ws.send(JSON.stringify({ id: n, method, params }));
          }),
        close: () => ws.close(),
      });
  });
}

/** One view to open and what to check there. */
export interface ViewProbe {
  view: string;
  shot: string;
  probe: string;
}

/** The page's `main[data-ready]`: the view that finished opening. */
const READY = `document.querySelector('main')?.dataset.ready ?? null`;

async function evaluate(bidi: Bidi, context: string, expression: string): Promise<unknown> {
  const r = (await bidi.send('script.evaluate', { expression, target: { context }, awaitPromise: false })) as { type: string; result?: { value?: unknown }; exceptionDetails?: { text?: string } };
  if (r.type === 'exception') throw new Error(`the page threw evaluating ${expression.slice(0, 80)}…: ${r.exceptionDetails?.text ?? JSON.stringify(r)}`);
  return r.result?.value;
}

/** Evaluates `expression` every 250 ms until `ok` holds of its value or 30 s pass; returns the last value. */
async function poll<T>(bidi: Bidi, context: string, expression: string, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = (await evaluate(bidi, context, expression)) as T;
    if (ok(v) || Date.now() >= deadline) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const [base, specFile] = process.argv.slice(2) as [string, string];
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as ViewProbe[];
  const profile = mkdtempSync(join(tmpdir(), 'meterkit-firefox-'));
  const ff = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port', '0', '--window-size', '1280,800'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const views: Record<string, unknown> = {};
  const result: { views: Record<string, unknown>; error?: string } = { views };
  try {
    const ws = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`firefox-esr did not open WebDriver BiDi in 30 s: ${log}`)), 30_000);
      const on = (d: Buffer): void => {
        log += d.toString();
        const m = /WebDriver BiDi listening on (ws:\/\/[^\s]+)/.exec(log);
        if (m !== null) {
          clearTimeout(t);
          resolve(m[1] as string);
        }
      };
      ff.stderr.on('data', on);
      ff.stdout.on('data', on);
      ff.once('exit', (code) => reject(new Error(`firefox-esr exited ${code}: ${log}`)));
    });
    const bidi = await connectBidi(`${ws.replace(/\/$/, '')}/session`);
    await bidi.send('session.new', { capabilities: {} });
    const tree = (await bidi.send('browsingContext.getTree', {})) as { contexts: Array<{ context: string }> };
    const context = tree.contexts[0]?.context as string;
    await bidi.send('browsingContext.setViewport', { context, viewport: { width: 1280, height: 800 } });
    for (const { view, shot, probe } of spec) {
      // a fresh load per view: no state of the previous view's probe is left on the page
      await bidi.send('browsingContext.navigate', { context, url: 'about:blank', wait: 'complete' });
      await bidi.send('browsingContext.navigate', { context, url: `${base}/#${view}`, wait: 'complete' });
      const ready = await poll<string | null>(bidi, context, READY, (v) => v === view);
      views[view] = { ready };
      if (ready === view) {
        const last = await poll<string>(bidi, context, probe, (v) => (JSON.parse(v) as { done?: boolean }).done === true);
        views[view] = { ready, ...(JSON.parse(last) as object) };
      }
      const png = (await bidi.send('browsingContext.captureScreenshot', { context })) as { data: string };
      writeFileSync(shot, Buffer.from(png.data, 'base64'));
    }
    bidi.close();
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    ff.kill('SIGKILL');
    await new Promise((r) => (ff.exitCode !== null || ff.signalCode !== null ? r(undefined) : ff.once('exit', r)));
    rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// the test runner loads every file under dist/test: only a direct run starts Firefox
if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
