import { parseArgs } from 'node:util';
import { Registry } from '../core/registry.js';
import { DockerCollector } from '../collectors/docker/collector.js';
import type { DockerNaming } from '../collectors/docker/tracker.js';
import { render } from '../prometheus/render.js';
import { UsageError } from './usage.js';

type Out = (s: string) => void;

/** Checks a --docker-naming value. */
export function parseNaming(v: string | undefined): DockerNaming {
  if (v === undefined || v === 'docker') return 'docker';
  if (v === 'cadvisor') return 'cadvisor';
  throw new UsageError(`invalid --docker-naming "${v}": use docker or cadvisor`);
}

/**
 * `--docker` takes an optional URL: `--docker` alone means the default engine, `--docker URL`
 * (a value not starting with "-") names one. Rewritten to `--docker=…` for parseArgs.
 */
export function normalizeDockerFlag(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--docker') {
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        out.push(`--docker=${next}`);
        i++;
      } else out.push('--docker=');
    } else out.push(a);
  }
  return out;
}

/** `meterkit docker [url]`: one update, printed as Prometheus text. Exit 1 when no engine answers. */
export async function dockerCommand(args: readonly string[], out: Out, err: Out): Promise<number | 'help'> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], strict: true, allowPositionals: true, options: { naming: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.values.help) return 'help';
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one engine URL, got ${parsed.positionals.length}`);
  const registry = new Registry();
  const logged: string[] = [];
  const dc = new DockerCollector(registry, { url: parsed.positionals[0], naming: parseNaming(parsed.values.naming), log: (line) => logged.push(line) });
  try {
    await dc.update();
  } catch (e) {
    // update() never rejects by design; should it, the user gets one line, never a stack trace
    err(`meterkit docker: ${e instanceof Error ? e.message : String(e)}\n`);
    await dc.close();
    return 1;
  }
  if (dc.lastError !== null) {
    err(`meterkit docker: no Docker engine answers at ${dc.url}: ${dc.lastError}\n`);
    return 1;
  }
  // a failing container is said on stderr with its reason and left out; the others print
  for (const line of logged) err(`${line}\n`);
  out(render(registry));
  await dc.close();
  return 0;
}
