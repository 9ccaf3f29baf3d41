/**
 * SQLite upsert throughput: how many observations per second a run can write.
 *
 * Writes OBSERVATIONS rows in putMetrics batches of BATCH (as a run writes its chunks) into a fresh
 * temp file, then upserts the same rows again with new values (a re-run over the settle window),
 * REPEATS times, and prints the median of each. Target: ≥ 50,000 observations/s.
 *
 *   npx tsx bench/sqlite-upserts.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSqliteStorage } from '../core/src/storage/sqlite.js';
import type { MetricRow } from '../core/src/storage/types.js';
import { addDays } from '../core/src/util/dates.js';

const OBSERVATIONS = 200_000;
const BATCH = 1_000;
const REPEATS = 5;
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
const DATES = Array.from({ length: DAYS }, (_, i) => addDays('2023-01-01', i));

function makeRows(seed: number): MetricRow[] {
  const timestamp = new Date().toISOString();
  const rows: MetricRow[] = [];
  for (const user_id of USERS) {
    for (const metric_type of METRICS) {
      for (const date of DATES) {
        rows.push({ user_id, metric_type, date, value: (rows.length * 7 + seed) % 10_000, timestamp, source: 'bench' });
      }
    }
  }
  return rows;
}

async function timeUpserts(write: (batch: MetricRow[]) => Promise<void>, rows: MetricRow[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) await write(rows.slice(i, i + BATCH));
  return rows.length / ((performance.now() - started) / 1000);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const format = (rate: number): string => `${Math.round(rate).toLocaleString('en-US')} obs/s`;

const fresh: number[] = [];
const again: number[] = [];
const firstRows = makeRows(1);
const secondRows = makeRows(2);

for (let repeat = 1; repeat <= REPEATS; repeat++) {
  const dir = mkdtempSync(join(tmpdir(), 'life-stats-bench-'));
  const storage = createSqliteStorage({ path: join(dir, 'life-stats.db') });
  try {
    await storage.queryMetrics({ userId: 'nobody' }); // open the file outside the timing
    const insertRate = await timeUpserts((batch) => storage.putMetrics(batch), firstRows);
    const updateRate = await timeUpserts((batch) => storage.putMetrics(batch), secondRows);
    const stored = await storage.queryMetrics({ userId: USERS[0] });
    if (stored.length !== METRICS.length * DAYS)
      throw new Error(`expected ${METRICS.length * DAYS} rows, got ${stored.length}`);
    fresh.push(insertRate);
    again.push(updateRate);
    console.log(`run ${repeat}/${REPEATS}: new rows ${format(insertRate)}, existing rows ${format(updateRate)}`);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const medianFresh = median(fresh);
const medianAgain = median(again);
console.log(
  `\n${OBSERVATIONS.toLocaleString('en-US')} observations in batches of ${BATCH.toLocaleString('en-US')}, median of ${REPEATS} (Node ${process.versions.node}):`,
);
console.log(`  new rows:      ${format(medianFresh)}`);
console.log(`  existing rows: ${format(medianAgain)}`);
console.log(
  `  target:        ≥ ${format(TARGET)} — ${Math.min(medianFresh, medianAgain) >= TARGET ? 'met' : 'NOT met'}`,
);
if (Math.min(medianFresh, medianAgain) < TARGET) process.exitCode = 1;
