import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { FaultSummaryReporter } from './tests/faults/support/summary-reporter.js';

const root = fileURLToPath(new URL('./', import.meta.url));

/**
 * Tests import every workspace package from its TypeScript sources: an export map entry that points
 * at `./dist/x.js` or its bundle `./dist/x.bundle.js` (built for publishing) is aliased to `src/x.ts`, so a stale or missing build
 * cannot hide a change. Packages are still imported by name and export, never by relative path.
 */
function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const { workspaces } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { workspaces: string[] };
  const dirs = workspaces.flatMap((w) =>
    w.endsWith('/*') ? readdirSync(`${root}${w.slice(0, -2)}`).map((name) => `${w.slice(0, -2)}/${name}`) : [w],
  );
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const dir of dirs) {
    let pkg: { name?: string; exports?: Record<string, string | { default?: string }> };
    try {
      pkg = JSON.parse(readFileSync(`${root}${dir}/package.json`, 'utf8'));
    } catch {
      continue;
    }
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const file = typeof target === 'string' ? target : target.default;
      if (!pkg.name || !file?.startsWith('./dist/') || subpath.includes('*')) continue;
      const escaped = `${pkg.name}${subpath === '.' ? '' : subpath.slice(1)}`.replace(/[/.]/g, '\\$&');
      aliases.push({
        find: new RegExp(`^${escaped}$`),
        // A bundle of an entry (`x.bundle.js`, core/scripts/bundle.mjs) stands for the entry's source.
        replacement: `${root}${dir}/${file.replace('./dist/', 'src/').replace(/(?:\.bundle)?\.js$/, '.ts')}`,
      });
    }
  }
  return aliases;
}

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    // The fault suite's summary line (tests/faults) is printed after the usual report.
    reporters: ['default', new FaultSummaryReporter()],
    include: [
      'core/test/**/*.test.ts',
      'plugins/*/test/**/*.test.ts',
      'tests/**/*.test.ts',
      'examples/**/test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Compiled plugin validators (core/src/plugins/schema-validators.ts) go to a folder of this
    // test run, never to the user's ~/.cache; processes the tests spawn inherit it.
    env: { LIFE_STATS_CACHE_DIR: mkdtempSync(join(tmpdir(), 'life-stats-test-cache-')) },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
