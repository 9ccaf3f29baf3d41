/**
 * `npm run bench`: run every benchmark, print the table (in the order of issue #8), and write
 * bench/results.json with the machine the figures were measured on. Exits 0 when a target is
 * missed (the row says MISS); exits 1 only when a benchmark could not run (2 for bad arguments).
 *
 *   npm run bench                       every benchmark, full sample counts
 *   npm run bench -- --quick            fewer samples: a smoke check, not figures to publish
 *   npm run bench -- --only bundle      one module (comma-separated names allowed)
 */
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULES, parseArgs } from './lib/args.js';
import { machineInfo } from './lib/machine.js';
import { formatTable } from './lib/table.js';
import type { Benchmark, BenchRow } from './lib/types.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** Load a benchmark module, or undefined when its file does not exist (yet). */
async function load(name: string): Promise<Benchmark | undefined> {
  if (!existsSync(join(HERE, `${name}.ts`))) return undefined;
  const specifier = `./${name}.js`;
  const mod = (await import(specifier)) as { default?: Benchmark };
  if (!mod.default || typeof mod.default.run !== 'function') {
    throw new Error(`bench/${name}.ts has no default export { name, run }`);
  }
  return mod.default;
}

interface ModuleResult {
  module: string;
  status: 'ok' | 'missing' | 'error';
  seconds?: number;
  error?: string;
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (options.help) {
    console.log(`usage: npm run bench -- [--quick] [--only <${MODULES.join('|')}>[,...]]`);
    return 0;
  }
  const selected = MODULES.filter((name) => !options.only || options.only.includes(name));
  const machine = machineInfo();
  console.log(
    `life-stats benchmarks${options.quick ? ' (--quick: fewer samples, smoke check only)' : ''}: ` +
      `node ${machine.node}, ${machine.os}, ${machine.cpuCount} × ${machine.cpuModel}, load ${machine.loadAverage.join(' ')}`,
  );

  const rows: BenchRow[] = [];
  const modules: ModuleResult[] = [];
  for (const name of selected) {
    let benchmark: Benchmark | undefined;
    const started = performance.now();
    try {
      benchmark = await load(name);
      if (!benchmark) {
        console.log(`\n== ${name}: skipped — bench/${name}.ts does not exist`);
        modules.push({ module: name, status: 'missing' });
        continue;
      }
      console.log(`\n== ${name}`);
      const produced = await benchmark.run({ quick: options.quick });
      rows.push(...produced);
      modules.push({ module: name, status: 'ok', seconds: Math.round((performance.now() - started) / 100) / 10 });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.log(`\n== ${name}: ERROR\n${message}`);
      modules.push({ module: name, status: 'error', error: message });
    }
  }

  console.log(`\n${formatTable(rows)}`);
  const details = rows.filter((row) => row.detail);
  if (details.length > 0) {
    console.log('\nnotes:');
    for (const row of details) console.log(`  ${row.benchmark} — ${row.figure}: ${row.detail}`);
  }
  const missed = rows.filter((row) => !row.pass);
  const failed = modules.filter((m) => m.status === 'error');
  const missing = modules.filter((m) => m.status === 'missing');
  console.log('');
  if (missed.length > 0) {
    console.log(
      `MISS: ${missed.length} target(s) missed: ${missed.map((r) => `${r.benchmark} (${r.figure})`).join('; ')}`,
    );
  }
  if (missing.length > 0) console.log(`skipped (file missing): ${missing.map((m) => m.module).join(', ')}`);
  if (failed.length > 0) console.log(`ERROR: could not run: ${failed.map((m) => m.module).join(', ')}`);
  if (missed.length === 0 && failed.length === 0) console.log(`all ${rows.length} figures within target`);

  const file = join(HERE, 'results.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        machine: { ...machine, loadAverageAtEnd: loadavg().map((n) => Math.round(n * 100) / 100) },
        options: { quick: options.quick, only: options.only ?? null },
        modules,
        rows,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${file}`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
