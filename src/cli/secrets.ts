/**
 * Secrets from the command line, a file or the environment. A message may name the flag,
 * the file or the variable, never the secret.
 */
import { readFileSync } from 'node:fs';
import type { AuthOptions } from '../http/auth.js';
import { checkAuth } from '../http/auth.js';
import { UsageError, asUsage } from './usage.js';

/** Where a secret may come from: a flag's value, a file flag's path, an environment variable. */
export interface SecretSources {
  flag: string;
  value: string | undefined;
  fileFlag: string;
  file: string | undefined;
  envName: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The secret from the flag, else the file (one trailing newline trimmed, as `echo` writes
 * it), else the environment; undefined when none is given. Flag and file together are refused.
 */
export function readSecret(s: SecretSources): string | undefined {
  if (s.value !== undefined && s.file !== undefined) throw new UsageError(`${s.flag} and ${s.fileFlag} contradict each other: give one`);
  if (s.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(s.file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${s.fileFlag} "${s.file}": ${(err as Error).message}`, { cause: err });
    }
    const secret = text.replace(/\r?\n$/, '');
    if (secret === '') throw new UsageError(`${s.fileFlag} "${s.file}" is empty`);
    return secret;
  }
  return s.value ?? s.env[s.envName];
}

/** parseArgs options of the credentials flags (the agent's, and its clients' such as `meterkit peers`). */
export const AUTH_OPTIONS = {
  'auth-token': { type: 'string' },
  'auth-token-file': { type: 'string' },
  'basic-auth': { type: 'string' },
  'basic-auth-file': { type: 'string' },
} as const;

/**
 * Credentials from `--auth-token`, `--basic-auth` (or their `-file` flags, or the
 * METERKIT_AUTH_TOKEN and METERKIT_BASIC_AUTH variables); undefined when none is given.
 */
export function readAuthFlags(values: { [K in keyof typeof AUTH_OPTIONS]?: string }, env: NodeJS.ProcessEnv): AuthOptions | undefined {
  const token = readSecret({ flag: '--auth-token', value: values['auth-token'], fileFlag: '--auth-token-file', file: values['auth-token-file'], envName: 'METERKIT_AUTH_TOKEN', env });
  const basic = readSecret({ flag: '--basic-auth', value: values['basic-auth'], fileFlag: '--basic-auth-file', file: values['basic-auth-file'], envName: 'METERKIT_BASIC_AUTH', env });
  if (token === undefined && basic === undefined) return undefined;
  const auth: AuthOptions = {};
  if (token !== undefined) auth.token = token;
  if (basic !== undefined) {
    const i = basic.indexOf(':');
    if (i <= 0) throw new UsageError('invalid basic auth credentials (not shown): use user:password');
    auth.basic = { username: basic.slice(0, i), password: basic.slice(i + 1) };
  }
  return asUsage(() => checkAuth(auth));
}
