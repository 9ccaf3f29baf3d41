#!/usr/bin/env node
// The published CLI runs the compiled code; `npm install` in the repository builds it (root `prepare`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
// Everything the command started has settled by now. What can still hold the process is a plugin
// request that ignored its abort signal (after a fetch timeout or Ctrl-C): don't let it keep a
// finished command alive. The timer is unref'd, so a process with nothing pending exits at once.
setTimeout(() => process.exit(), 2000).unref();
