import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatTable } from './table.js';
import type { Benchmark } from './types.js';

/** Whether the module at `moduleUrl` is the script Node was started with (`tsx bench/x.ts`). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Run one benchmark module on its own when it is the main script (`npx tsx bench/x.ts [--quick]`)
 * and print its rows. Exit code 0 even when a target is missed (as `npm run bench`).
 */
export async function runIfMain(moduleUrl: string, benchmark: Benchmark): Promise<void> {
  if (!isMain(moduleUrl)) return;
  const rows = await benchmark.run({ quick: process.argv.includes('--quick') });
  console.log(`\n${formatTable(rows)}`);
  for (const row of rows) if (row.detail) console.log(`  ${row.benchmark} / ${row.figure}: ${row.detail}`);
}
