/**
 * Secrets from the command line, a file or the environment. A message may name the flag,
 * the file or the variable, never the secret.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './usage.js';

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
