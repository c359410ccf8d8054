import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { posix } from 'node:path';

/*
 * The house rule (DESIGN.md): a feature folder imports from core/ (and http/ for handlers),
 * never from a sibling feature; only cli/ wires features together. Enforced here.
 */
const FEATURES = [
  'prometheus', 'json', 'tcp', 'observer', 'http', 'collectors/process', 'collectors/docker',
  'proxy', 'monitor', 'notify', 'cluster', 'prom-client', 'remote-write', 'dashboard',
];
const SHARED = new Set(['core', 'http']);

/*
 * The one documented exception: src/prom-client is an API facade (prom-client's API on
 * meterkit), so it may import the PUBLIC index.ts of the features whose API it re-shapes —
 * never their internals (a file other than index.js is still refused).
 */
const FACADE_OF = { 'prom-client': ['prometheus', 'collectors/process', 'cluster'] };

function boundary(feature) {
  const others = [...FEATURES, 'cli'].filter((f) => f !== feature && !(SHARED.has(f) && feature !== 'http'));
  const allowed = new Set(FACADE_OF[feature] ?? []);
  const patterns = others.flatMap((f) => {
    const rel = posix.relative(`src/${feature}`, `src/${f}`);
    // gitignore-style negation lets the public index through while every other file stays refused
    return allowed.has(f) ? [`${rel}/*`, `${rel}/**`, `!${rel}/index.js`] : [`${rel}/*`, `${rel}/**`, `${rel}/index.js`];
  });
  return {
    files: [`src/${feature}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: patterns, message: `src/${feature} is a feature: import from core/ (or http/), never from a sibling feature; only cli/ wires features together.` }] },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // core depends on nothing outside itself
  { files: ['src/core/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*'], message: 'src/core depends on nothing outside core/.' }] }] } },
  { files: ['src/core/*/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../../*'], message: 'src/core depends on nothing outside core/.' }] }] } },
  ...FEATURES.map(boundary),
  {
    // type-aware: a promise nobody awaits (an un-awaited assert.rejects) is an error
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself tracks
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
