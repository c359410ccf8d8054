// Rewrites README.md's config reference region from the schema (npm run docs:config; run after a build).
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../dist/src/cli/config/reference.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withReference(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'README.md: config reference up to date\n' : 'README.md: config reference rewritten\n');
