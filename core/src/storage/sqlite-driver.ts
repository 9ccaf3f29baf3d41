import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

/** better-sqlite3's constructor, and the options that point it at its compiled addon. */
export interface SqliteDriver {
  Driver: typeof BetterSqlite3;
  /** `{ nativeBinding }` when the addon is where `npm install` builds it, else nothing. */
  binding: { nativeBinding?: string };
}

/**
 * Load better-sqlite3 with `require`, as a CommonJS package is (importing it from an ES module has
 * Node parse its source for export names first, ~2 ms), and find its addon directly: given
 * `nativeBinding`, it skips the `bindings` package, which works out its own folder from a stack
 * trace and probes up to 15 paths (~3 ms of every `life-stats run`, docs/performance.md). The path
 * given is the one `bindings` would pick: `build/Release`, unless a `build/` or `build/Debug`
 * addon exists, which it tries first — then the default search decides, as before.
 *
 * @throws whatever `require` throws when better-sqlite3 is missing or built for another Node.
 */
export function loadSqliteDriver(): SqliteDriver {
  const require = createRequire(import.meta.url);
  const Driver = require('better-sqlite3') as typeof BetterSqlite3;
  let binding: { nativeBinding?: string } = {};
  try {
    binding = addonOf(dirname(require.resolve('better-sqlite3/package.json')));
  } catch {
    // No package.json to find: the default search.
  }
  return { Driver, binding };
}

/**
 * The `nativeBinding` option for the better-sqlite3 package in `packageDir`: its
 * `build/Release` addon when that is the first file `bindings` would find, else nothing.
 */
export function addonOf(packageDir: string): { nativeBinding?: string } {
  const build = join(packageDir, 'build');
  const addon = 'better_sqlite3.node';
  if (isFile(join(build, addon)) || isFile(join(build, 'Debug', addon))) return {};
  const release = join(build, 'Release', addon);
  return isFile(release) ? { nativeBinding: release } : {};
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
