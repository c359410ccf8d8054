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
  const dc = new DockerCollector(registry, { url: parsed.positionals[0], naming: parseNaming(parsed.values.naming), log: () => undefined });
  await dc.update();
  if (dc.lastError !== null) {
    err(`meterkit docker: no Docker engine answers at ${dc.url}: ${dc.lastError}\n`);
    return 1;
  }
  out(render(registry));
  return 0;
}
