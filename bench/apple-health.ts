/**
 * The Apple Health plugin on a generated ~1 GB export (issue #16): ten years of an iPhone and an
 * Apple Watch recording the same walks, per-minute energy and heart rate, sleep stages beside the
 * iPhone's "in bed", weight, water, workouts, correlations (testing/src/apple-health-days.ts),
 * streamed to a temp folder (never built in memory, never in the repo).
 *
 * Each figure is a fresh Node process: the floor is a bare saxes pass over the export.xml (the
 * same parser, the same 1 MiB UTF-8 chunks, a handler that only counts), run again right before
 * each subject so the two share the machine's load of the moment; the subjects are
 * `life-stats run` through the built CLI with one entry (steps) and with four entries on the same
 * file (steps, distance, sleep, weight), on the export.xml and on an export.zip of it. Targets:
 * wall ≤ 2× the bare pass, peak RSS ≤ 300 MB. A last run on the unchanged export shows the
 * incremental path (the cache beside the export: no parse).
 *
 *   npx tsx bench/apple-health.ts [--quick]      (--quick: ~100 MB instead of ~1 GB)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { realisticExport } from '@life-stats/testing/apple-health-days';
import { writeExport } from '@life-stats/testing/apple-health-export';
import { ROOT } from './lib/paths.js';
import { runIfMain } from './lib/standalone.js';
import { formatNumber } from './lib/stats.js';
import type { Benchmark, BenchRow } from './lib/types.js';

const TARGET_RATIO = 2;
const TARGET_RSS_MB = 300;
const TARGET_CACHED_MS = 2000;
const FROM = '2016-06-01';
/** ~441 KB of export a day: 2,400 days ≈ 1.04 GB. */
const DAYS_FULL = 2400;
const DAYS_QUICK = 240;
const FOUR = ['steps', 'distance', 'sleep', 'weight'] as const;
const METRIC = { steps: 'steps', distance: 'distance_m', sleep: 'sleep_minutes', weight: 'weight_kg' } as const;

interface ChildResult {
  wallMs: number;
  /** User + system CPU time of the whole process. */
  cpuMs: number;
  maxRssKB: number;
  exitCode?: number;
}

async function child(script: string, args: string[], resultFile: string): Promise<ChildResult> {
  let stderr = '';
  const proc = spawn(process.execPath, ['--no-warnings', join(ROOT, script), ...args, resultFile], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${script} exited with ${code}: ${stderr}`);
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ChildResult;
  if (result.exitCode !== undefined && result.exitCode !== 0)
    throw new Error(`life-stats run exited ${result.exitCode}: ${stderr}`);
  return result;
}

/** Remove the cache files a run left beside the exports, so the next run parses again. */
function dropCaches(dir: string): void {
  for (const name of readdirSync(dir))
    if (name.includes('.life-stats-') && name.endsWith('.json')) rmSync(join(dir, name));
}

/** `life-stats run` with one entry per data type on `file`; returns the child's figures and checks the stored rows. */
async function runEntries(
  dir: string,
  file: string,
  dataTypes: readonly (typeof FOUR)[number][],
  tag: string,
  days: number,
) {
  const db = join(dir, `${tag}.db`);
  const config = join(dir, `${tag}.config.json`);
  writeFileSync(
    config,
    JSON.stringify({
      timezone: 'UTC',
      // Day 1 of the export up to today: every generated day is inside the first run's window.
      backfillDays: Math.ceil((Date.now() - Date.parse(`${FROM}T00:00:00Z`)) / 86_400_000) + 1,
      storage: { type: 'sqlite', path: db },
      secrets: { type: 'file', path: join(dir, 'secrets.json') },
      users: [{ id: 'alex', timezone: 'Europe/Berlin' }],
      plugins: dataTypes.map((dataType) => ({ use: 'apple-health', config: { file, dataType } })),
    }),
  );
  const result = await child('bench/support/memory-child.mjs', [config], join(dir, `${tag}.result.json`));
  const storage = createSqliteStorage({ path: db });
  try {
    for (const dataType of dataTypes) {
      const rows = await storage.queryMetrics({ metricType: METRIC[dataType] });
      // Days of the export, give or take the first night and the window's edge.
      if (rows.length < days - 2) throw new Error(`${tag}: ${rows.length} ${METRIC[dataType]} rows for ${days} days`);
    }
    const steps = await storage.queryMetrics({ metricType: 'steps' });
    if (steps.length > 0) {
      const mean = steps.reduce((sum, row) => sum + row.value, 0) / steps.length;
      // The generator's phone and watch each record ~31,000 steps a day: counted once, not doubled.
      if (mean < 25_000 || mean > 40_000)
        throw new Error(`${tag}: mean ${Math.round(mean)} steps a day: not counted once`);
    }
  } finally {
    await storage.close();
  }
  rmSync(db, { force: true });
  return result;
}

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

const benchmark: Benchmark = {
  name: 'apple-health',
  async run({ quick }) {
    const days = quick ? DAYS_QUICK : DAYS_FULL;
    const dir = mkdtempSync(join(tmpdir(), 'life-stats-bench-apple-'));
    try {
      const xml = join(dir, 'export.xml');
      const zip = join(dir, 'export.zip');
      const generated = performance.now();
      await writeExport(xml, realisticExport({ from: FROM, days }));
      await writeExport(zip, realisticExport({ from: FROM, days }), { format: 'zip' });
      const bytes = statSync(xml).size;
      const zipBytes = statSync(zip).size;
      console.log(
        `  generated ${formatNumber(days)} days: export.xml ${(bytes / 1e6).toFixed(0)} MB, export.zip ${(zipBytes / 1e6).toFixed(0)} MB in ${formatNumber((performance.now() - generated) / 1000, 1)} s`,
      );

      // Each subject right after its own bare pass: load that lasts a minute hits both (the machine is shared).
      const floor = (tag: string) => child('bench/support/sax-pass-child.mjs', [xml], join(dir, `bare-${tag}.json`));
      const bareOne = await floor('one');
      const one = await runEntries(dir, xml, ['steps'], 'one', days);
      dropCaches(dir);
      const bareFour = await floor('four');
      const four = await runEntries(dir, xml, FOUR, 'four', days);
      dropCaches(dir);
      const bareZip = await floor('zip');
      const fromZip = await runEntries(dir, zip, FOUR, 'zip', days);
      // The zip's cache stays: the next run finds the export unchanged.
      const cached = await runEntries(dir, zip, FOUR, 'cached', days);
      const bares = [bareOne, bareFour, bareZip];
      const bare = [...bares].sort((a, b) => a.wallMs - b.wallMs)[1] as ChildResult;
      console.log(
        `  bare passes ${bares.map((b) => formatNumber(b.wallMs)).join(' / ')} ms; 1 entry ${formatNumber(one.wallMs)} ms, 4 entries ${formatNumber(four.wallMs)} ms, 4 on the zip ${formatNumber(fromZip.wallMs)} ms, unchanged ${formatNumber(cached.wallMs)} ms`,
      );

      const size = `${(bytes / 1e6).toFixed(0)} MB export.xml`;
      const ratioRow = (benchmarkName: string, result: ChildResult, floorRun: ChildResult): BenchRow => {
        const ratio = result.wallMs / floorRun.wallMs;
        return {
          benchmark: benchmarkName,
          figure: 'wall ÷ bare SAX pass',
          value: ratio,
          unit: '×',
          display: `${ratio.toFixed(2)}× (${mbps(bytes, result.wallMs).toFixed(1)} MB/s vs ${mbps(bytes, floorRun.wallMs).toFixed(1)} MB/s)`,
          target: `≤ ${TARGET_RATIO}×`,
          pass: ratio <= TARGET_RATIO,
          detail:
            `whole \`life-stats run\` process (CLI start, parse, SQLite writes) against the bare pass just before it; ` +
            `CPU time ${formatNumber(result.cpuMs)} ms vs ${formatNumber(floorRun.cpuMs)} ms (${(result.cpuMs / floorRun.cpuMs).toFixed(2)}×)`,
          samples: [result.wallMs, floorRun.wallMs],
        };
      };
      const rssRow = (benchmarkName: string, result: ChildResult): BenchRow => {
        const rss = result.maxRssKB / 1024;
        return {
          benchmark: benchmarkName,
          figure: 'peak RSS',
          value: rss,
          unit: 'MB',
          display: `${rss.toFixed(1)} MB`,
          target: `≤ ${TARGET_RSS_MB} MB`,
          pass: rss <= TARGET_RSS_MB,
        };
      };
      return [
        {
          benchmark: `Apple Health, bare saxes pass (${size})`,
          figure: 'MB/s (the floor)',
          value: mbps(bytes, bare.wallMs),
          unit: 'MB/s',
          display: `${mbps(bytes, bare.wallMs).toFixed(1)} MB/s (${formatNumber(bare.wallMs)} ms, peak RSS ${(bare.maxRssKB / 1024).toFixed(1)} MB)`,
          target: '—',
          pass: true,
          detail: `median of the three bare passes (${bares.map((b) => formatNumber(b.wallMs)).join(', ')} ms), one before each subject`,
          samples: bares.map((b) => b.wallMs),
        },
        ratioRow(`Apple Health, 1 entry (${size})`, one, bareOne),
        rssRow(`Apple Health, 1 entry (${size})`, one),
        ratioRow(`Apple Health, 4 entries, same file (${size})`, four, bareFour),
        rssRow(`Apple Health, 4 entries, same file (${size})`, four),
        (() => {
          const row = ratioRow(
            `Apple Health, 4 entries, export.zip (${(zipBytes / 1e6).toFixed(0)} MB)`,
            fromZip,
            bareZip,
          );
          return {
            ...row,
            detail: `the zip is inflated on the fly, the floor is the bare pass over the export.xml; ${row.detail}`,
          };
        })(),
        rssRow(`Apple Health, 4 entries, export.zip (${(zipBytes / 1e6).toFixed(0)} MB)`, fromZip),
        {
          benchmark: 'Apple Health, 4 entries, unchanged export.zip',
          figure: 'wall, whole run (no parse)',
          value: cached.wallMs,
          unit: 'ms',
          display: `${formatNumber(cached.wallMs)} ms`,
          target: `≤ ${formatNumber(TARGET_CACHED_MS)} ms`,
          pass: cached.wallMs <= TARGET_CACHED_MS,
          detail: 'a later `life-stats run` reads the daily figures from the cache file beside the export',
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;

await runIfMain(import.meta.url, benchmark);
