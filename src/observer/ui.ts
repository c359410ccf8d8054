import type { StreamClient } from './client.js';
import { formatInterval } from './client.js';
import type { Row } from './state.js';
import { ObserverState } from './state.js';

/** What one frame shows. */
export interface Frame {
  address: string;
  connected: boolean;
  /** Why the last connection ended (shown while disconnected). */
  reason: string;
  /** The client's wait between connection attempts (ms), shown while disconnected. */
  retryMs: number;
  time: Date;
  rows: readonly Row[];
  /** First row shown (scroll position). */
  offset: number;
  width: number;
  height: number;
}

/** Rows of the screen below the header. */
export const HEADER_LINES = 3;

function fit(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

/** The lines of one frame: a header, then one line per series, values right-aligned. */
export function renderFrame(f: Frame): string[] {
  const w = Math.max(20, f.width);
  const state = f.connected ? 'connected' : `disconnected — retrying every ${formatInterval(f.retryMs)}${f.reason ? ` (${f.reason})` : ''}`;
  const lines = [
    fit(`meterkit observe  ${f.address}  ${state}  ${f.time.toTimeString().slice(0, 8)}`, w),
    fit('↑/↓ scroll  PgUp/PgDn page  q quit', w),
    '─'.repeat(w),
  ];
  const room = Math.max(1, f.height - HEADER_LINES);
  const shown = f.rows.slice(f.offset, f.offset + room);
  if (f.rows.length === 0) lines.push(f.connected ? 'waiting for metrics…' : 'no data');
  for (const r of shown) {
    const value = r.value;
    const titleRoom = Math.max(1, w - value.length - 2);
    const title = fit(r.title, titleRoom);
    lines.push(`${title}${' '.repeat(Math.max(1, w - title.length - value.length))}${value}`);
  }
  return lines;
}

// one escape sequence (arrows, PageUp/PageDown) or one character
const KEY_PATTERN = new RegExp(`${String.fromCharCode(27)}\\[[0-9]*~|${String.fromCharCode(27)}\\[[A-D]|[\\s\\S]`, 'g');

const KEYS = { up: '\u001b[A', down: '\u001b[B', pageUp: '\u001b[5~', pageDown: '\u001b[6~', ctrlC: '\u0003' };

/**
 * The terminal UI of `meterkit observe`: alternate screen, redrawn at least once a second and
 * on new data (at most 10 times a second), scrolled with the arrow and page keys, `q` quits.
 */
export class ObserverUi {
  private readonly state = new ObserverState();
  private connected = false;
  private reason = '';
  private offset = 0;
  private dirty = true;
  private timer: NodeJS.Timeout | null = null;
  private resolveDone: (() => void) | null = null;

  constructor(
    private readonly client: StreamClient,
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {}

  private size(): { width: number; height: number } {
    return { width: this.output.columns ?? 100, height: this.output.rows ?? 30 };
  }

  private draw(): void {
    const { width, height } = this.size();
    const rows = this.state.rows();
    const room = Math.max(1, height - HEADER_LINES);
    this.offset = Math.max(0, Math.min(this.offset, rows.length - room));
    const lines = renderFrame({ address: `${this.client.host}:${this.client.port}`, connected: this.connected, reason: this.reason, retryMs: this.client.retryMs, time: new Date(), rows, offset: this.offset, width, height });
    this.output.write(`\u001b[H\u001b[2J${lines.join('\r\n')}`);
    this.dirty = false;
  }

  private key(k: string): void {
    const room = Math.max(1, this.size().height - HEADER_LINES);
    if (k === 'q' || k === KEYS.ctrlC) return this.quit();
    if (k === KEYS.up) this.offset = Math.max(0, this.offset - 1);
    else if (k === KEYS.down) this.offset++;
    else if (k === KEYS.pageUp) this.offset = Math.max(0, this.offset - room);
    else if (k === KEYS.pageDown) this.offset += room;
    else return;
    this.draw();
  }

  private quit(): void {
    if (this.timer !== null) clearInterval(this.timer);
    // resolves once the socket closed; nothing waits for that on the way out of the UI
    void this.client.close();
    if (this.input.isTTY) this.input.setRawMode(false);
    this.input.pause();
    this.output.write('\u001b[?25h\u001b[?1049l');
    this.resolveDone?.();
  }

  /** Runs until the user quits. */
  run(): Promise<void> {
    this.output.write('\u001b[?1049h\u001b[?25l');
    if (this.input.isTTY) this.input.setRawMode(true);
    this.input.setEncoding('utf8');
    this.input.on('data', (d: string) => {
      // several keys may arrive in one read
      for (const m of d.match(KEY_PATTERN) ?? []) this.key(m);
    });
    this.client.on('connected', () => {
      this.connected = true;
      this.reason = '';
      this.state.clear(); // values restart from zero on reconnect
      this.draw();
    });
    this.client.on('disconnected', (reason) => {
      this.connected = false;
      this.reason = reason;
      this.draw();
    });
    this.client.on('event', (e) => {
      this.state.apply(e);
      this.dirty = true;
    });
    let ticks = 0;
    // not unref'd: the UI runs until the user quits (quit() clears it), and this is what keeps
    // the process alive — and the clock drawn — while the exporter is away
    this.timer = setInterval(() => {
      // on new data up to 10 times a second; at least once a second for the clock
      if (this.dirty || ++ticks % 10 === 0) this.draw();
    }, 100);
    this.draw();
    this.client.start();
    return new Promise((resolve) => (this.resolveDone = resolve));
  }
}
