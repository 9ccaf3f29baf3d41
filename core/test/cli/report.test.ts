import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { describe, expect, it } from 'vitest';
import type { ReportData } from '../../src/report/build-report.js';
import { createSqliteStorage } from '../../src/storage/sqlite.js';

async function project() {
  const dir = tempDir('life-stats-report-cli-');
  writeFileSync(
    path.join(dir, 'steps.mjs'),
    `export default { id: 'steps', apiVersion: 1, metric: { type: 'steps', unit: 'steps' }, async fetch() { return []; } };`,
  );
  writeFileSync(
    path.join(dir, 'life-stats.config.json'),
    JSON.stringify({
      timezone: 'UTC',
      storage: { type: 'sqlite', path: 'ls.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'me' }, { id: 'ana' }],
      plugins: [{ use: './steps.mjs' }],
    }),
  );
  const storage = createSqliteStorage({ path: path.join(dir, 'ls.db') });
  const row = (user: string, metric: string, date: string, value: number) => ({
    user_id: user,
    metric_type: metric,
    date,
    value,
    timestamp: `${date}T22:00:00.000Z`,
    source: 'steps',
  });
  await storage.putMetrics([
    row('me', 'steps', '2026-11-01', 1000),
    row('me', 'steps', '2026-11-03', 3000),
    row('ana', 'steps', '2026-11-02', 2000),
    row('me', 'water', '2026-11-02', 2),
  ]);
  await storage.close();
  return dir;
}

function embedded(file: string): ReportData {
  const html = readFileSync(file, 'utf8');
  return JSON.parse(/<script type="application\/json" id="life-stats-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '');
}

describe('life-stats report', () => {
  it('writes life-stats-report.html in the working directory with one chart per user × metric and the unit', async () => {
    const dir = await project();
    const result = await runCli(['report'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${path.join(dir, 'life-stats-report.html')}\n`);
    const data = embedded(path.join(dir, 'life-stats-report.html'));
    expect([data.from, data.to]).toEqual(['2026-11-01', '2026-11-03']);
    expect(data.charts.map((c) => [c.user, c.metric, c.unit])).toEqual([
      ['ana', 'steps', 'steps'],
      ['me', 'steps', 'steps'],
      ['me', 'water', undefined],
    ]);
    expect(data.charts[1]?.values).toEqual([1000, null, 3000]);
  });

  it('filters by --user, --metric, --from and --to, and writes to --out (creating its folder)', async () => {
    const dir = await project();
    const result = await runCli(
      [
        'report',
        '--out',
        'out/r.html',
        '--user',
        'me',
        '--metric',
        'steps',
        '--from',
        '2026-10-30',
        '--to',
        '2026-11-02',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    const data = embedded(path.join(dir, 'out', 'r.html'));
    expect(data.charts).toHaveLength(1);
    expect(data.charts[0]?.dates).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
    expect(data.charts[0]?.values).toEqual([null, null, 1000, null]);
  });

  it('rejects a bad date with a usage error', async () => {
    const dir = await project();
    const result = await runCli(['report', '--from', '2026-02-30'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--from must be a calendar date/);
  });
});
