#!/usr/bin/env node
// Entry point of the `meterkit` command; the code lives in dist/src/cli (built by `npm ci`).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
