/**
 * `meterkit config check FILE…` (exit 0 when every file passes, 1 otherwise; every problem on
 * its own line, `file:line:col: path: message`) and `meterkit config example`.
 */
import { readFileSync } from 'node:fs';
import { checkConfigText, formatProblem } from './config/load.js';
import { CONFIG_EXAMPLE } from './config/example.js';
import { UsageError, parseCommandArgs } from './usage.js';

type Out = (s: string) => void;

/** The help of `meterkit config`. */
export const CONFIG_HELP = `Usage: meterkit config check <file>...
       meterkit config example

check     Checks agent config files: prints every problem, one per line, as
          file:line:col: key.path: message; exits 0 when all pass, 1 otherwise
example   Prints a complete, commented config file

Options:
  -h, --help  Show this help
`;

/** Runs `meterkit config …`; resolves to the exit code, or 'help'. */
export function configCommand(args: readonly string[], out: Out, err: Out, env: NodeJS.ProcessEnv = process.env): number | 'help' {
  const { values, positionals } = parseCommandArgs(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) return 'help';
  const [sub, ...files] = positionals;
  if (sub === 'example') {
    if (files.length > 0) throw new UsageError('config example takes no arguments');
    out(CONFIG_EXAMPLE);
    return 0;
  }
  if (sub !== 'check') throw new UsageError(sub === undefined ? 'give a subcommand: check <file>... or example' : `unknown subcommand ${JSON.stringify(sub)}: use check or example`);
  if (files.length === 0) throw new UsageError('config check needs at least one file');
  let failed = false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      err(`${file}:0:0: (file): cannot read the file: ${(e as Error).message}\n`);
      failed = true;
      continue;
    }
    let r: ReturnType<typeof checkConfigText>;
    try {
      r = checkConfigText(file, text, env);
    } catch (e) {
      // a check that throws is a bug, but it must not keep the other files from being checked
      r = { ok: false, problems: [{ file, line: 0, col: 0, path: '', message: `the check failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` }] };
    }
    if (r.ok) out(`${file}: ok\n`);
    else {
      failed = true;
      for (const p of r.problems) err(`${formatProblem(p)}\n`);
    }
  }
  return failed ? 1 : 0;
}
