/**
 * The process the crash test kills: a broadcaster on the durable queue in a state directory.
 * `node notify-crash-child.js <stateDir> <url> accept <n>` writes n events (ids c0…c{n−1}) in
 * writes of 100, prints `accepted <n>` once every write has resolved (committed), and goes on
 * delivering; `… resume` only delivers. SIGTERM closes the broadcaster and exits.
 * Without arguments (the test runner loading every file) it does nothing.
 */
import { openBroadcaster } from '../../src/notify/index.js';

const [stateDir, url, mode, count] = process.argv.slice(2);
if (stateDir !== undefined && url !== undefined) {
  const b = await openBroadcaster({ stateDir, endpoints: [{ name: 'crash', url, maxEvents: 100, threshold: 1000, timeout: 60_000 }] });
  process.on('SIGTERM', () => {
    void b.close().then(() => process.exit(0));
  });
  if (mode === 'accept') {
    const n = Number(count);
    for (let i = 0; i < n; i += 100) {
      await b.write(Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ id: `c${i + j}`, action: 'crash.test', target: { type: 'n', id: String(i + j) } })));
    }
    process.stdout.write(`accepted ${n}\n`);
  } else {
    process.stdout.write('resumed\n');
  }
  // the broadcaster's timers are unref'd: keep the process alive until it is killed
  setInterval(() => {}, 60_000);
}
