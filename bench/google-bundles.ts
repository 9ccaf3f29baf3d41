/**
 * The Google plugins' bundles (issue 18, item 4): each plugin bundled as the Lambda build does
 * (esbuild, minified, `@life-stats/core` left out), beside its floor — `@life-stats/google-common`
 * alone, the session every Google plugin uses (on core's OAuth since issue 15: no google-auth-library
 * or gaxios left) — and beside what the Fit plugin weighed when it called the googleapis Fitness
 * module, whose googleapis-common pins its own google-auth-library and gaxios. Sizes are
 * deterministic: one build each, no samples.
 *
 *   npx tsx bench/google-bundles.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePlugin, packageCopies } from '@life-stats/testing/bundle-plugin';
import { ROOT } from './lib/paths.js';
import { runIfMain } from './lib/standalone.js';
import { formatBytes } from './lib/stats.js';
import type { Benchmark, BenchRow } from './lib/types.js';

/** A plugin may add this much of its own code to the floor. */
const MAX_OVER_FLOOR = 64 * 1024;

const PLUGINS = [
  ['google-fit-steps', 'plugins/google-fit-steps/src/index.ts'],
  ['google-health-steps', 'plugins/google-health-steps/src/index.ts'],
  ['google-health', 'plugins/google-health/src/index.ts'],
] as const;

const benchmark: Benchmark = {
  name: 'google-bundles',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'life-stats-bench-google-'));
    try {
      const floor = await bundlePlugin('plugins/google-common/src/index.ts', { minify: true });
      // The Fit plugin as it was: google-common plus the googleapis Fitness module it called.
      const before = join(dir, 'fit-with-googleapis.ts');
      writeFileSync(
        before,
        `export * from ${JSON.stringify(`${ROOT}plugins/google-fit-steps/src/index.ts`)};\n` +
          "export { fitness_v1 } from 'googleapis/build/src/apis/fitness/v1.js';\n",
      );
      const old = await bundlePlugin(before, { minify: true });
      console.log(
        `google-bundles: floor (google-common) ${formatBytes(floor.bytes)}; Fit with googleapis ${formatBytes(old.bytes)} (${packageCopies(old.inputs, 'google-auth-library')} copies of google-auth-library)`,
      );
      const rows: BenchRow[] = [];
      for (const [id, entry] of PLUGINS) {
        const bundle = await bundlePlugin(entry, { minify: true });
        const copies = Math.max(
          packageCopies(bundle.inputs, 'google-auth-library'),
          packageCopies(bundle.inputs, 'gaxios'),
        );
        const over = bundle.bytes - floor.bytes;
        console.log(
          `google-bundles: ${id} ${formatBytes(bundle.bytes)}, ${copies} copies of google-auth-library/gaxios`,
        );
        rows.push({
          benchmark: `${id} bundle`,
          figure: 'bytes over the floor, minified',
          value: over,
          unit: 'bytes',
          display: `${formatBytes(bundle.bytes)}; floor ${formatBytes(floor.bytes)}; +${(over / 1024).toFixed(1)} KB`,
          target: `≤ floor + ${MAX_OVER_FLOOR / 1024} KB, no Google auth client`,
          // Refresh is core's (oauth4webapi, outside the plugin bundles): no copy of google-auth-library.
          pass: over <= MAX_OVER_FLOOR && copies === 0,
          detail:
            `copies of google-auth-library/gaxios: ${copies}; floor = @life-stats/google-common alone (the session on core's OAuth)` +
            (id === 'google-fit-steps'
              ? `; the same plugin on the googleapis Fitness module: ${formatBytes(old.bytes)} with ${packageCopies(old.inputs, 'google-auth-library')} copies (−${((old.bytes - bundle.bytes) / 1024).toFixed(0)} KB now)`
              : ''),
        });
      }
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
await runIfMain(import.meta.url, benchmark);
