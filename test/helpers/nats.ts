/**
 * A real nats-server (Debian `nats-server`) for tests, on a free 127.0.0.1 port. nats-server
 * cannot listen on port 0 and report the port, so a free one is picked (bind port 0, close) and
 * the start is retried on another when something took it meanwhile. `restart()` comes back on
 * the SAME port, as a restarted server does for its clients.
 */
import { freePort, requireTools, startProcess } from './tools.js';

/** A running nats-server. */
export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  /** Everything the server logged so far (all its runs). */
  output(): string;
  /** Stops it (SIGTERM) and waits for its exit; safe to call twice. */
  stop(): Promise<void>;
  /** Stops it if running and starts it again on the same port; resolves when it is ready. */
  restart(): Promise<void>;
}

const READY = 'Server is ready';
const IN_USE = /address already in use/i;
const ATTEMPTS = 5;
/** A bound on a start, not a wait: readiness is awaited through the server's log line. */
const START_BOUND_MS = 30_000;

type Running = ReturnType<typeof startProcess>;

/** Starts nats-server on `port`; 'in-use' when the port was taken. */
function launch(port: number, args: readonly string[]): Promise<{ proc: Running; outcome: 'ready' | 'in-use' }> {
  const proc = startProcess('nats-server', ['-a', '127.0.0.1', '-p', String(port), ...args]);
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      proc.child.stderr?.off('data', onData);
      proc.child.stdout?.off('data', onData);
      proc.child.off('exit', onExit);
    };
    const onData = (): void => {
      if (!proc.output().includes(READY)) return;
      done();
      resolve({ proc, outcome: 'ready' });
    };
    const onExit = (): void => {
      done();
      if (IN_USE.test(proc.output())) resolve({ proc, outcome: 'in-use' });
      else reject(new Error(`nats-server exited before it was ready: ${proc.output().slice(-2000)}`));
    };
    const timer = setTimeout(() => {
      done();
      void proc.stop();
      reject(new Error(`nats-server not ready after ${START_BOUND_MS} ms: ${proc.output().slice(-2000)}`));
    }, START_BOUND_MS);
    proc.child.stderr?.on('data', onData);
    proc.child.stdout?.on('data', onData);
    proc.child.on('exit', onExit);
  });
}

/** Starts nats-server (extra `args`, e.g. `-js`) on a free port; fails when it is not installed. */
export async function startNatsServer(args: readonly string[] = []): Promise<NatsServer> {
  requireTools('nats-server');
  const runs: Running[] = [];
  let proc: Running | undefined;
  const log = (): string => runs.map((r) => r.output()).join('');
  const start = async (pick: () => Promise<number>): Promise<number> => {
    for (let i = 0; i < ATTEMPTS; i++) {
      const port = await pick();
      const r = await launch(port, args);
      runs.push(r.proc);
      if (r.outcome === 'ready') {
        proc = r.proc;
        return port;
      }
    }
    throw new Error(`nats-server could not listen in ${ATTEMPTS} attempts: ${log().slice(-2000)}`);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    await p?.stop();
  };
  const port = await start(freePort);
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    output: log,
    stop,
    restart: async () => {
      await stop();
      await start(async () => port);
    },
  };
}
