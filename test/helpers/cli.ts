/** Running the `meterkit` command in this process, as tests of its flags and output do. */
import { main } from '../../src/cli/main.js';

/** Runs `meterkit …argv` in this process; resolves with the exit code and what it wrote. */
export async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}
