/**
 * A backfill of 365 days for one user through a real plugin with `maxDaysPerFetch` 30
 * (google-fit-steps), against the fake Google on loopback, in core's run engine with a real SQLite
 * store and secrets file — as `life-stats backfill --from <to − 364> --to <to>` runs it. The figure
 * is the number of provider data requests (Fitness `dataset:aggregate`); target 13 = ⌈365 / 30⌉.
 *
 * "365 days" is read as 365 local dates, both ends included (`--from` and `--to` are inclusive):
 * from = to − 364. Reading it as from = to − 365 (366 dates) gives 13 requests as well.
 *
 *   npx tsx bench/backfill.ts [--quick]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedConfig } from '@life-stats/core';
import { addDays, runPairs } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { createTestConfig } from '@life-stats/core/testing';
import plugin from '@life-stats/plugin-google-fit-steps';
import { startFakeGoogle } from '@life-stats/testing/fake-google';
import { runIfMain } from './lib/standalone.js';
import { formatMs } from './lib/stats.js';
import type { Benchmark } from './lib/types.js';

const DAYS = 365;
const TO = '2026-11-25';
const FROM = addDays(TO, -(DAYS - 1));
const REFRESH = '1//bench-refresh-token';

const benchmark: Benchmark = {
  name: 'backfill',
  async run() {
    // One sample at noon UTC on every day of the window: every day has data to store.
    const steps = Array.from({ length: DAYS }, (_, i) => ({ at: `${addDays(FROM, i)}T12:00:00Z`, steps: 1000 + i }));
    const google = await startFakeGoogle({ refreshTokens: [REFRESH], steps });
    const dir = mkdtempSync(join(tmpdir(), 'life-stats-bench-backfill-'));
    const storage = createSqliteStorage({ path: join(dir, 'life-stats.db') });
    try {
      const secrets = createFileSecrets({ path: join(dir, 'secrets.json') });
      await secrets.set('google-fit', 'client_id', google.clientId);
      await secrets.set('google-fit', 'client_secret', google.clientSecret);
      await secrets.set('google-fit', 'token', REFRESH, 'me');
      const config: LoadedConfig = createTestConfig(dir, [
        { plugin, metric: 'steps', config: { apiRootUrl: google.apiRootUrl, tokenUrl: google.tokenUrl } },
      ]);
      const started = performance.now();
      const summary = await runPairs({
        config,
        storage,
        secrets,
        mode: 'backfill',
        window: { start: FROM, end: TO },
        now: () => new Date(`${TO}T23:00:00Z`),
      });
      const ms = performance.now() - started;
      const result = summary.runs[0];
      if (summary.runs.length !== 1 || result?.status !== 'ok') {
        throw new Error(`backfill did not succeed: ${JSON.stringify(summary)}`);
      }
      const rows = await storage.queryMetrics({ userId: 'me', metricType: 'steps' });
      if (rows.length !== DAYS) throw new Error(`expected ${DAYS} stored days, got ${rows.length}`);
      const data = google.requestsTo('fit').length;
      const token = google.requestsTo('token').length;
      console.log(`backfill: ${FROM}..${TO}: ${data} data requests, ${token} token refresh(es), ${formatMs(ms)}`);
      return [
        {
          benchmark: 'Backfill 365 days, maxDaysPerFetch 30',
          figure: 'provider requests',
          value: data,
          unit: 'requests',
          display: String(data),
          target: '13',
          pass: data === 13,
          detail: `google-fit-steps (maxDaysPerFetch ${plugin.maxDaysPerFetch}), window ${FROM}..${TO} (365 dates inclusive); ${data} dataset:aggregate requests + ${token} OAuth token refresh; ${rows.length} days stored`,
        },
      ];
    } finally {
      await storage.close();
      await google.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
await runIfMain(import.meta.url, benchmark);
