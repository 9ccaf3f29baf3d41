import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { FaultSummaryReporter } from './tests/faults/support/summary-reporter.js';

// Tests import @life-stats/core from source (the export map points at dist, built for publishing).
const coreDir = fileURLToPath(new URL('./core/', import.meta.url));
const coreExports = JSON.parse(readFileSync(`${coreDir}package.json`, 'utf8')).exports as Record<
  string,
  string | { default: string }
>;
const alias = Object.entries(coreExports)
  .filter(([, target]) => typeof target === 'object' && target.default.startsWith('./dist/'))
  .map(([subpath, target]) => ({
    find: new RegExp(`^@life-stats/core${subpath === '.' ? '' : subpath.slice(1)}$`),
    replacement: coreDir + (target as { default: string }).default.replace('./dist/', 'src/').replace(/\.js$/, '.ts'),
  }));

// Workspace libraries shared by plugins, also from source.
alias.push({
  find: /^@life-stats\/google-common$/,
  replacement: fileURLToPath(new URL('./plugins/google-common/src/index.ts', import.meta.url)),
});

export default defineConfig({
  resolve: { alias },
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
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
