/**
 * A smoke check of a page in Debian's headless `firefox-esr` over WebDriver BiDi (playwright-core
 * cannot drive a stock Firefox). Run as a child process with `node --experimental-websocket`
 * (Node 20 has no global WebSocket without it):
 *   node --experimental-websocket firefox-bidi.js URL SCREENSHOT.png
 * Prints one JSON line: `{ready, updates, charts, ink, error?}`, once the page's `main[data-ready]`
 * is set, a chart drew and two live updates came, or after 30 s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const INK = `(() => {
  const out = { ready: document.querySelector('main')?.dataset.ready ?? null, updates: Number(document.getElementById('live')?.dataset.updates ?? 0), charts: 0, ink: 0 };
  for (const c of document.querySelectorAll('[data-chart] canvas')) {
    out.charts++;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 11) < 24 && Math.abs(d[i + 1] - 92) < 24 && Math.abs(d[i + 2] - 173) < 24 && d[i + 3] > 128) out.ink++;
  }
  return JSON.stringify(out);
})()`;

async function main(): Promise<void> {
  const [url, shot] = process.argv.slice(2) as [string, string];
  const profile = mkdtempSync(join(tmpdir(), 'meterkit-firefox-'));
  const ff = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port', '0', '--window-size', '1280,800'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const result: Record<string, unknown> = { ready: null, updates: 0, charts: 0, ink: 0 };
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
    await bidi.send('browsingContext.navigate', { context, url, wait: 'complete' });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const r = (await bidi.send('script.evaluate', { expression: INK, target: { context }, awaitPromise: false })) as { result: { value: string } };
      Object.assign(result, JSON.parse(r.result.value) as object);
      if (result.ready !== null && (result.ink as number) > 20 && (result.updates as number) >= 2) break;
      await new Promise((r2) => setTimeout(r2, 250));
    }
    const png = (await bidi.send('browsingContext.captureScreenshot', { context })) as { data: string };
    writeFileSync(shot, Buffer.from(png.data, 'base64'));
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
