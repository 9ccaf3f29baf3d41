/**
 * SQLite upsert throughput: how many observations per second a run can write.
 *
 * Writes OBSERVATIONS rows in putMetrics batches of BATCH (as a run writes its chunks) into a fresh
 * temp file, then upserts the same rows again with new values (a re-run over the settle window),
 * several times, and reports the median of each; the figure is the slower of the two medians.
 * Target: ≥ 50,000 observations/s.
 *
 *   npx tsx bench/sqlite-upserts.ts [--quick]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MetricRow } from '@life-stats/core';
import { addDays } from '@life-stats/core';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { runIfMain } from './lib/standalone.js';
import { formatNumber, median } from './lib/stats.js';
import type { Benchmark } from './lib/types.js';

const OBSERVATIONS = 200_000;
const BATCH = 1_000;
const TARGET = 50_000;

// 20 users × 10 metrics × 1,000 days: realistic keys, spread over the whole primary key.
const USERS = Array.from({ length: 20 }, (_, i) => `user-${i}@example.com`);
const METRICS = [
  'steps',
  'sleep_minutes',
  'water_ml',
  'weight',
  'mood',
  'commits',
  'heart_rate',
  'kcal',
  'km',
  'pages',
];
const DAYS = OBSERVATIONS / USERS.length / METRICS.length;

function makeRows(seed: number): MetricRow[] {
  const dates = Array.from({ length: DAYS }, (_, i) => addDays('2023-01-01', i));
  const timestamp = new Date().toISOString();
  const rows: MetricRow[] = [];
  for (const user_id of USERS) {
    for (const metric_type of METRICS) {
      for (const date of dates) {
        rows.push({ user_id, metric_type, date, value: (rows.length * 7 + seed) % 10_000, timestamp, source: 'bench' });
      }
    }
  }
  return rows;
}

/** Observations per second of wall time, and per second of this process's CPU time (user + system). */
async function timeUpserts(
  write: (batch: MetricRow[]) => Promise<void>,
  rows: MetricRow[],
): Promise<{ wall: number; cpu: number }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) await write(rows.slice(i, i + BATCH));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: rows.length / (wallMs / 1000), cpu: rows.length / ((cpu.user + cpu.system) / 1e6) };
}

const format = (rate: number): string => `${formatNumber(rate)} obs/s`;

const benchmark: Benchmark = {
  name: 'sqlite-upserts',
  async run({ quick }) {
    const repeats = quick ? 2 : 5;
    const fresh: number[] = [];
    const again: number[] = [];
    const cpuRates: number[] = [];
    const firstRows = makeRows(1);
    const secondRows = makeRows(2);

    for (let repeat = 1; repeat <= repeats; repeat++) {
      const dir = mkdtempSync(join(tmpdir(), 'life-stats-bench-'));
      const storage = createSqliteStorage({ path: join(dir, 'life-stats.db') });
      try {
        await storage.queryMetrics({ userId: 'nobody' }); // open the file outside the timing
        const insert = await timeUpserts((batch) => storage.putMetrics(batch), firstRows);
        const update = await timeUpserts((batch) => storage.putMetrics(batch), secondRows);
        const insertRate = insert.wall;
        const updateRate = update.wall;
        cpuRates.push(Math.min(insert.cpu, update.cpu));
        const stored = await storage.queryMetrics({ userId: USERS[0] });
        if (stored.length !== METRICS.length * DAYS)
          throw new Error(`expected ${METRICS.length * DAYS} rows, got ${stored.length}`);
        fresh.push(insertRate);
        again.push(updateRate);
        console.log(
          `sqlite-upserts: run ${repeat}/${repeats}: new rows ${format(insertRate)}, existing rows ${format(updateRate)} (per CPU second: ${format(insert.cpu)}, ${format(update.cpu)})`,
        );
      } finally {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }

    const medianFresh = median(fresh);
    const medianAgain = median(again);
    const figure = Math.min(medianFresh, medianAgain);
    return [
      {
        benchmark: 'SQLite upserts in batches',
        figure: 'observations/s',
        value: figure,
        unit: 'obs/s',
        display: `${format(figure)} (new ${formatNumber(medianFresh)}, existing ${formatNumber(medianAgain)})`,
        target: `≥ ${formatNumber(TARGET)} obs/s`,
        pass: figure >= TARGET,
        detail: `${formatNumber(OBSERVATIONS)} observations in putMetrics batches of ${formatNumber(BATCH)}, median of ${repeats} fresh files; figure = slower of new-row and existing-row medians (wall time); per second of CPU time (user + system, insensitive to other load on the machine): ${format(median(cpuRates))}`,
        samples: [...fresh, ...again],
      },
    ];
  },
};

export default benchmark;
await runIfMain(import.meta.url, benchmark);
