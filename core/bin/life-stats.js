#!/usr/bin/env node
// The published CLI runs the compiled code, bundled (scripts/bundle.mjs); `npm install` in the
// repository builds it (root `prepare`).
import module from 'node:module';

// Node ≥ 22.1 keeps V8's compiled code of the CLI's modules on disk (in the OS temp folder), so a
// later command skips compiling them; Node 20 has no such cache. Before the CLI's own import, which
// is dynamic for that reason.
module.enableCompileCache?.();
const { main } = await import('../dist/cli-bundle/main.js');

// This process is the CLI's own: it may read time zones through `TZ` (see `MainOptions`).
process.exitCode = await main(process.argv.slice(2), undefined, { ownsProcess: true });
// Everything the command started has settled by now. What can still hold the process is a plugin
// request that ignored its abort signal (after a fetch timeout or Ctrl-C): don't let it keep a
// finished command alive. The timer is unref'd, so a process with nothing pending exits at once.
setTimeout(() => process.exit(), 2000).unref();
