import { parseArgs } from 'node:util';
import { parseHostPort } from '../core/address.js';
import { StreamClient, formatInterval } from '../observer/client.js';
import { ObserverUi } from '../observer/ui.js';
import { UsageError, asUsage, durationFlag } from './usage.js';

type Out = (s: string) => void;

/** `meterkit observe [host:port] [--json] [--connect-timeout <ms>]`; resolves to the exit code, or 'help'. */
export async function observeCommand(args: readonly string[], out: Out, err: Out, untilSignal: () => Promise<string>): Promise<number | 'help'> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], strict: true, allowPositionals: true, options: { json: { type: 'boolean' }, 'connect-timeout': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.values.help) return 'help';
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one address, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  const { host, port } = asUsage(() => parseHostPort(parsed.positionals[0] ?? '127.0.0.1:5000', 'stream address'));
  const timeout = parsed.values['connect-timeout'];
  const connectTimeoutMs = timeout === undefined ? undefined : durationFlag('--connect-timeout', timeout);
  const client = new StreamClient(host, port, { connectTimeoutMs });
  if (parsed.values.json) {
    client.on('connected', (a) => err(`meterkit observe: connected to ${a}\n`));
    client.on('disconnected', (reason) => err(`meterkit observe: disconnected: ${reason}; retrying in ${formatInterval(client.retryMs)}\n`));
    client.on('event', (e) => out(`${JSON.stringify(e)}\n`));
    client.start();
    await untilSignal();
    await client.close();
    return 0;
  }
  if (!process.stdout.isTTY) err('meterkit observe: stdout is not a terminal; use --json for scripts\n');
  await new ObserverUi(client, process.stdin, process.stdout).run();
  return 0;
}
