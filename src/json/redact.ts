/**
 * Secret flags in a command line. `/debug/vars` publishes the command line (`cmdline`, as Go's
 * expvar does), so the values of flags that carry secrets are replaced before anyone sees them.
 */

/** What a secret flag's value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Flags that are secret by name, whatever the pattern below says. */
export const DEFAULT_SECRET_FLAGS: readonly string[] = Object.freeze(['--auth-token', '--basic-auth']);

// A word anywhere in the flag's name marks it secret ("key" also catches --tls-key and
// --api-key: redacting a path by mistake costs nothing, publishing a key costs a lot).
const SECRET_WORD = /token|secret|password|passwd|credential|key/i;

/**
 * True when `flag` (`--name`, without `=value`) carries a secret by default: one of
 * {@link DEFAULT_SECRET_FLAGS}, or a name containing token, secret, password, passwd,
 * credential or key — except `*-file` flags (`--auth-token-file`), whose value is a path.
 */
export function isSecretFlag(flag: string): boolean {
  const f = flag.toLowerCase();
  if (DEFAULT_SECRET_FLAGS.includes(f)) return true;
  if (!f.startsWith('--') || f.endsWith('-file')) return false;
  return SECRET_WORD.test(f.slice(2));
}

/**
 * A command line with the value of every `flag` (as `flag value` or `flag=value`) passed
 * through `redact`: for flags whose values are partly secret (a URL's query, a spec's secret).
 */
export function redactFlagValues(argv: readonly string[], flag: string, redact: (value: string) => string): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const a = out[i] as string;
    if (a === flag && i + 1 < out.length) {
      out[i + 1] = redact(out[i + 1] as string);
      i++;
    } else if (a.startsWith(`${flag}=`)) out[i] = `${flag}=${redact(a.slice(flag.length + 1))}`;
  }
  return out;
}

/**
 * A copy of `argv` with the value of every secret flag replaced by {@link REDACTED}, in both
 * forms: `--flag value` (the next element, whatever it looks like: a token may start with
 * `-`) and `--flag=value`. `secretFlags` lists the secret flags exactly (`['--db-pass']`), or
 * decides per flag; default {@link isSecretFlag}.
 */
export function redactArgv(argv: readonly string[], secretFlags?: readonly string[] | ((flag: string) => boolean)): string[] {
  const secret = secretFlags === undefined ? isSecretFlag : typeof secretFlags === 'function' ? secretFlags : (f: string) => secretFlags.includes(f);
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const arg = out[i] as string;
    if (!arg.startsWith('--') || arg === '--') continue;
    const eq = arg.indexOf('=');
    if (eq >= 0) {
      if (secret(arg.slice(0, eq))) out[i] = `${arg.slice(0, eq + 1)}${REDACTED}`;
    } else if (secret(arg) && i + 1 < out.length) {
      out[++i] = REDACTED;
    }
  }
  return out;
}
