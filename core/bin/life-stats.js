#!/usr/bin/env node
// The published CLI runs the compiled code; `npm install` in the repository builds it (root `prepare`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
