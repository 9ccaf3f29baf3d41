/**
 * Peak memory of a run with many users: `life-stats run` (the real CLI entry, from source) in a fresh
 * Node process, with USERS config users × 1 plugin entry that fetches from a fake provider on
 * loopback (no latency; the provider runs in this process, so its memory is not counted), writing
 * into a real SQLite file. Figure: the child's `process.resourceUsage().maxRSS` (target ≤ 256 MB).
 * The same process with 1 user is measured too (what loading Node and the modules costs), and the
 * same run with V8's old generation capped at HEAP_CAP_MB (how much of the peak is uncollected garbage).
 *
 *   npx tsx bench/memory.ts [--quick]
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { tempDir } from '@life-stats/testing/engine';
import { ROOT } from './lib/paths.js';
import { runIfMain } from './lib/standalone.js';
import { formatNumber } from './lib/stats.js';
import type { Benchmark, BenchRow } from './lib/types.js';
import { startFakeProvider } from './support/throughput-provider.js';

const TARGET_MB = 256;
const BACKFILL_DAYS = 7;
const HEAP_CAP_MB = 128;
const CHILD = join(ROOT, 'bench/support/memory-child.mjs');

interface ChildResult {
  exitCode: number;
  wallMs: number;
  maxRssKB: number;
  peakHeapUsed: number;
  peakExternal: number;
}

/** The plugin as a module file, the way a user installs a local plugin (`"use": "./bench-provider.mjs"`). */
const PLUGIN_SOURCE = `export default {
  id: 'bench-provider',
  apiVersion: 1,
  metric: { type: 'steps' },
  configSchema: { type: 'object', properties: { baseUrl: { type: 'string' } }, required: ['baseUrl'] },
  maxDaysPerFetch: 31,
  async fetch(ctx) {
    const url = new URL('/days', ctx.config.baseUrl);
    url.searchParams.set('user', ctx.user.id);
    url.searchParams.set('metric', ctx.metric);
    url.searchParams.set('start', ctx.window.start);
    url.searchParams.set('end', ctx.window.end);
    const response = await fetch(url, { signal: ctx.signal });
    if (!response.ok) throw new Error('provider answered ' + response.status);
    return (await response.json()).days;
  },
};
`;

async function runChild(
  users: number,
  providerUrl: string,
  nodeFlags: string[] = [],
): Promise<ChildResult & { rows: number; runs: number }> {
  const dir = tempDir('life-stats-bench-memory-');
  try {
    writeFileSync(join(dir, 'bench-provider.mjs'), PLUGIN_SOURCE);
    const config = {
      timezone: 'UTC',
      backfillDays: BACKFILL_DAYS,
      storage: { type: 'sqlite', path: join(dir, 'life-stats.db') },
      secrets: { type: 'file', path: join(dir, 'secrets.json') },
      users: Array.from({ length: users }, (_, i) => ({ id: `user-${i}@example.com`, timezone: 'UTC' })),
      plugins: [{ use: './bench-provider.mjs', config: { baseUrl: providerUrl } }],
    };
    const configFile = join(dir, 'life-stats.config.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const resultFile = join(dir, 'result.json');

    let stderr = '';
    const child = spawn(process.execPath, [...nodeFlags, '--no-warnings', CHILD, configFile, resultFile], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    if (code !== 0) throw new Error(`memory child exited with ${code}: ${stderr}`);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ChildResult;
    if (result.exitCode !== 0) throw new Error(`life-stats run exited ${result.exitCode}: ${stderr}`);

    const storage = createSqliteStorage({ path: join(dir, 'life-stats.db') });
    try {
      const rows = (await storage.queryMetrics({ metricType: 'steps' })).length;
      const runs = (await storage.listCursors()).filter((r) => r.last_status === 'ok').length;
      if (rows !== users * (BACKFILL_DAYS + 1) || runs !== users) {
        throw new Error(`expected ${users * (BACKFILL_DAYS + 1)} rows and ${users} ok runs, got ${rows} and ${runs}`);
      }
      return { ...result, rows, runs };
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => bytes / 1024 / 1024;

const benchmark: Benchmark = {
  name: 'memory',
  async run({ quick }) {
    const users = quick ? 2000 : 10_000;
    const provider = await startFakeProvider({ delayMs: 0 });
    try {
      const baseline = await runChild(1, provider.url);
      const result = await runChild(users, provider.url);
      // The same run with V8's old generation capped: how much of the peak is garbage V8 had not
      // collected yet (no memory pressure) rather than memory the run holds.
      const capped = await runChild(users, provider.url, [`--max-old-space-size=${HEAP_CAP_MB}`]);
      const rss = result.maxRssKB / 1024;
      const row: BenchRow = {
        benchmark: `${formatNumber(users)} users × 1 plugin entry`,
        figure: 'peak RSS',
        value: rss,
        unit: 'MB',
        display: `${rss.toFixed(1)} MB`,
        target: `≤ ${TARGET_MB} MB`,
        pass: rss <= TARGET_MB,
        detail:
          `fresh \`life-stats run\` process (the built CLI in core/dist, as a user runs it), concurrency 8 (default), ` +
          `${formatNumber(result.rows)} rows into SQLite in ${formatNumber(result.wallMs)} ms; ` +
          `peak V8 heap used ${mb(result.peakHeapUsed).toFixed(1)} MB, external+buffers ${mb(result.peakExternal).toFixed(1)} MB; ` +
          `same process with 1 user: ${(baseline.maxRssKB / 1024).toFixed(1)} MB peak RSS; ` +
          `same run with --max-old-space-size=${HEAP_CAP_MB}: ${(capped.maxRssKB / 1024).toFixed(1)} MB peak RSS ` +
          `in ${formatNumber(capped.wallMs)} ms`,
      };
      return [row];
    } finally {
      await provider.close();
    }
  },
};

export default benchmark;

await runIfMain(import.meta.url, benchmark);
