import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { describe, expect, it } from 'vitest';
import type { StatusEntry } from '../../src/report/status.js';
import { createSqliteStorage } from '../../src/storage/sqlite.js';
import type { CursorUpdate, MetricRow } from '../../src/storage/types.js';
import { addDays, localDate } from '../../src/util/dates.js';

const PLUGIN = `export default {
  id: 'counter', apiVersion: 1, metric: { type: 'count', unit: 'n' },
  async fetch() { return []; },
};
`;

/** A project whose SQLite store already holds `rows` and `runs`. */
async function project(options: {
  users?: { id: string; timezone?: string }[];
  plugins?: Record<string, unknown>[];
  rows?: MetricRow[];
  runs?: CursorUpdate[];
}) {
  const dir = tempDir('life-stats-status-');
  writeFileSync(path.join(dir, 'counter.mjs'), PLUGIN);
  const config = {
    timezone: 'UTC',
    storage: { type: 'sqlite', path: 'ls.db' },
    secrets: { type: 'file', path: 'secrets.json' },
    users: options.users ?? [{ id: 'me' }],
    plugins: options.plugins ?? [{ use: './counter.mjs' }],
  };
  writeFileSync(path.join(dir, 'life-stats.config.json'), JSON.stringify(config));
  const storage = createSqliteStorage({ path: path.join(dir, 'ls.db') });
  await storage.putMetrics(options.rows ?? []);
  for (const run of options.runs ?? []) await storage.putCursor(run);
  await storage.close();
  return dir;
}

function days(user: string, metric: string, dates: string[]): MetricRow[] {
  return dates.map((date) => ({
    user_id: user,
    metric_type: metric,
    date,
    value: 1,
    timestamp: new Date().toISOString(),
    source: 'counter',
  }));
}

/** The last `n` local dates of `zone`, today included. */
function lastDays(n: number, zone = 'UTC'): string[] {
  const today = localDate(new Date(), zone);
  return Array.from({ length: n }, (_, i) => addDays(today, -i));
}

async function statusJson(dir: string): Promise<{ code: number; status: StatusEntry[]; stderr: string }> {
  const result = await runCli(['status', '--json'], { cwd: dir });
  const parsed = JSON.parse(result.stdout) as { status: StatusEntry[] };
  expect(Object.keys(parsed)).toEqual(['status']);
  return { code: result.code, status: parsed.status, stderr: result.stderr };
}

describe('life-stats status', () => {
  it('prints a table per user × metric, counts missing days of the last 30, exits 0 when all is well', async () => {
    const lastRun = new Date(Date.now() - 3_600_000).toISOString();
    const present = lastDays(30).filter((_, i) => ![0, 3, 4].includes(i));
    const dir = await project({
      rows: [...days('me', 'count', present), ...days('me', 'count', [addDays(lastDays(1)[0] ?? '', -45)])],
      runs: [{ user_id: 'me', metric_type: 'count', last_status: 'ok', last_run_time: lastRun }],
    });
    const table = await runCli(['status'], { cwd: dir });
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('');
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^user\s+metric\s+last run\s+status\s+missing\s+next run/);
    expect(lines[2]).toMatch(new RegExp(`^me\\s+count\\s+${lastRun.replace(/\./g, '\\.')}\\s+ok\\s+3/30`));

    const { code, status } = await statusJson(dir);
    expect(code).toBe(0);
    expect(status).toEqual([
      {
        user: 'me',
        metric: 'count',
        plugin: 'counter',
        schedule: 'rate(1 day)',
        last_run_time: lastRun,
        last_status: 'ok',
        missing_days: 3,
        next_run: new Date(Date.parse(lastRun) + 86_400_000).toISOString(),
      },
    ]);
  });

  it('exits 1 and shows the error when a pair failed; --json keeps stdout pure JSON', async () => {
    const dir = await project({
      users: [{ id: 'me' }, { id: 'ana' }],
      runs: [
        { user_id: 'me', metric_type: 'count', last_status: 'ok', last_run_time: new Date().toISOString() },
        { user_id: 'ana', metric_type: 'count', last_status: 'failed', last_error: 'HTTP 500 from the source' },
      ],
    });
    const table = await runCli(['status'], { cwd: dir });
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/ana\s+count\s+-\s+failed\s+30\/30\s+never run\s+HTTP 500 from the source/);
    expect(table.stderr).toMatch(/need attention/);

    const { code, status, stderr } = await statusJson(dir);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(status.map((s) => [s.user, s.last_status])).toEqual([
      ['ana', 'failed'],
      ['me', 'ok'],
    ]);
    expect(status[0]).toMatchObject({ last_error: 'HTTP 500 from the source', next_run_note: 'never run' });
    expect(status[0]?.last_run_time).toBeUndefined();
  });

  it('exits 1 when a pair needs reconnecting', async () => {
    const dir = await project({
      runs: [{ user_id: 'me', metric_type: 'count', last_status: 'reconnect', last_error: 'invalid_grant' }],
    });
    const { code, status } = await statusJson(dir);
    expect(code).toBe(1);
    expect(status[0]).toMatchObject({ last_status: 'reconnect', last_error: 'invalid_grant' });
  });

  it('lists configured pairs that never ran and stored pairs no longer configured; a cron schedule gives the next UTC minute', async () => {
    const dir = await project({
      plugins: [{ use: './counter.mjs', metric: 'water', schedule: 'cron(30 5 * * ? *)' }],
      rows: days('me', 'old_metric', lastDays(2)),
      runs: [{ user_id: 'me', metric_type: 'old_metric', last_status: 'skipped' }],
    });
    const { code, status } = await statusJson(dir);
    expect(code).toBe(0);
    const water = status.find((s) => s.metric === 'water');
    expect(water).toMatchObject({ user: 'me', last_status: 'never', missing_days: 30, schedule: 'cron(30 5 * * ? *)' });
    const next = new Date(water?.next_run ?? '');
    expect(next.getUTCHours() * 60 + next.getUTCMinutes()).toBe(5 * 60 + 30);
    expect(next.getTime() - Date.now()).toBeGreaterThan(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(status.find((s) => s.metric === 'old_metric')).toMatchObject({
      last_status: 'skipped',
      missing_days: 28,
      next_run_note: 'not in the config',
    });
  });

  it("counts missing days in the user's own zone", async () => {
    // At any hour, one of UTC+14 and UTC-12 is on another calendar day than UTC: use that one.
    const utcToday = localDate(new Date(), 'UTC');
    const zone = ['Pacific/Kiritimati', 'Etc/GMT+12'].find((z) => localDate(new Date(), z) !== utcToday) ?? 'UTC';
    expect(zone).not.toBe('UTC');
    const dir = await project({
      users: [{ id: 'far', timezone: zone }],
      rows: days('far', 'count', lastDays(30, zone)),
    });
    const { status } = await statusJson(dir);
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ user: 'far', missing_days: 0 });
  });

  it('says what to do when there is nothing to show', async () => {
    const dir = await project({ users: [], plugins: [] });
    const result = await runCli(['status'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/No users or metrics yet/);
  });
});
