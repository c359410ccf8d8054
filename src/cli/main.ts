/**
 * The `meterkit` command. Only this folder wires features together.
 */
import { readFileSync } from 'node:fs';

const HELP = `meterkit — metrics toolkit and agent for Node.js

Usage:
  meterkit <command> [options]
  meterkit --help | --version

Commands:
  help [command]    Show help for meterkit or for one command

Options:
  -h, --help        Show this help
  -v, --version     Print the version
`;

/** The package version, read from package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    if (rest.length > 0 && cmd === 'help') {
      err(`meterkit: unknown command "${rest[0]}"\n\n${HELP}`);
      return 2;
    }
    out(HELP);
    return 0;
  }
  if (cmd === '-v' || cmd === '--version') {
    out(`${version()}\n`);
    return 0;
  }
  err(`meterkit: unknown command "${cmd}": run "meterkit --help" for the list of commands\n`);
  return 2;
}
