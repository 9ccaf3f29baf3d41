import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, runPairs } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { describePlugin } from '@life-stats/core/testing';
import { realisticExport } from '@life-stats/testing/apple-health-days';
import { exportXml } from '@life-stats/testing/apple-health-export';
import { describe, expect, it } from 'vitest';
import { exportFile, plugin, tempFolder } from './support.js';

const dir = tempFolder('life-stats-apple-plugin-');
const kitExport = join(dir, 'kit-export.xml');
writeFileSync(kitExport, exportXml(realisticExport({ from: '2026-11-15', days: 12, timeZone: 'UTC' })));

describePlugin(plugin, { config: { file: kitExport, dataType: 'steps' } });

describe('apple-health in a run', () => {
  it('writes each entry’s metric from its dataType; a bad file fails its pair alone and stores nothing', async () => {
    const good = await exportFile(
      dir,
      [...realisticExport({ from: '2026-03-20', days: 14, timeZone: 'Europe/Berlin' })],
      {
        format: 'zip',
        name: 'export.zip',
      },
    );
    const bytes = readFileSync(good);
    writeFileSync(join(dir, 'cut.zip'), bytes.subarray(0, bytes.length - 200));
    const configFile = join(dir, 'life-stats.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        timezone: 'UTC',
        storage: { type: 'sqlite', path: 'ls.db' },
        secrets: { type: 'file', path: 'secrets.json' },
        users: [{ id: 'alex', timezone: 'Europe/Berlin' }],
        plugins: [
          // The short name, resolved like a user's install (the built package).
          { use: 'apple-health', config: { file: 'export.zip', dataType: 'steps' } },
          { use: 'apple-health', config: { file: './export.zip', dataType: 'sleep' } },
          { use: 'apple-health', config: { file: 'cut.zip', dataType: 'weight' } },
        ],
      }),
    );
    const config = await loadConfig({ configPath: configFile });
    expect(config.plugins.map((p) => p.metric)).toEqual(['steps', 'sleep_minutes', 'weight_kg']);
    const storage = createSqliteStorage({ path: join(dir, 'ls.db') });
    try {
      const summary = await runPairs({
        config,
        storage,
        secrets: createFileSecrets({ path: join(dir, 'secrets.json') }),
        mode: 'backfill',
        window: { start: '2026-03-20', end: '2026-04-02' },
      });
      const byMetric = Object.fromEntries(summary.runs.map((r) => [r.metric, r]));
      expect(byMetric.steps).toMatchObject({ status: 'ok', items: 14 });
      // Nights count on the morning they end: the export's first night ends on 21 March.
      expect(byMetric.sleep_minutes).toMatchObject({ status: 'ok', items: 13 });
      expect(byMetric.weight_kg?.status).toBe('failed');
      expect(byMetric.weight_kg?.error).toContain(
        `[life-stats] [plugin:apple-health] ${join(dir, 'cut.zip')}: is not a readable zip`,
      );

      const steps = await storage.queryMetrics({ metricType: 'steps' });
      expect(steps).toHaveLength(14);
      expect(steps.every((row) => row.source === 'apple-health' && row.value > 10_000 && row.value < 45_000)).toBe(
        true,
      );
      expect(await storage.queryMetrics({ metricType: 'sleep_minutes' })).toHaveLength(13);
      expect(await storage.queryMetrics({ metricType: 'weight_kg' })).toEqual([]);
    } finally {
      await storage.close();
    }
  });
});
