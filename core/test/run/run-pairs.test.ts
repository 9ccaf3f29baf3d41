/** The run engine: windows in each user's calendar, the cursor, idempotent upserts, concurrency and rate budgets. */
import { at, makeConfig, tempDir } from '@life-stats/testing/engine';
import { describe, expect, it } from 'vitest';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import type { PluginContext } from '../../src/plugins/types.js';
import { runPairs } from '../../src/run/run-pairs.js';
import type { Storage } from '../../src/storage/types.js';
import { eachDate } from '../../src/util/dates.js';
import { closeStoresAfterEach, dailyPlugin, stores } from './engine-rig.js';

closeStoresAfterEach();

describe('runPairs', () => {
  it('first run backfills in each user’s own calendar, chunked by maxDaysPerFetch', async () => {
    const dir = tempDir();
    const { plugin, windows } = dailyPlugin();
    const chunked = { ...plugin, maxDaysPerFetch: 3 };
    const config = makeConfig(dir, [{ plugin: chunked }], {
      users: [
        { id: 'ny', timezone: 'America/New_York' },
        { id: 'in', timezone: 'Asia/Kolkata' },
      ],
      backfillDays: 7,
    });
    const { storage, secrets } = stores(dir);
    // 2026-11-02T04:30Z: 23:30 on Nov 1 in New York (after the DST change), 10:00 on Nov 2 in Kolkata.
    const summary = await runPairs({ config, storage, secrets, now: at('2026-11-02T04:30:00Z') });
    expect(summary.runs.map((r) => [r.user, r.status, r.window, r.items])).toEqual([
      ['ny', 'ok', { start: '2026-10-25', end: '2026-11-01' }, 8],
      ['in', 'ok', { start: '2026-10-26', end: '2026-11-02' }, 8],
    ]);
    expect(windows.filter((w) => w.user === 'ny').map((w) => w.window)).toEqual([
      { start: '2026-10-25', end: '2026-10-27' },
      { start: '2026-10-28', end: '2026-10-30' },
      { start: '2026-10-31', end: '2026-11-01' },
    ]);
    const rows = await storage.queryMetrics({ userId: 'ny' });
    expect(rows.map((r) => r.date)).toEqual(eachDate('2026-10-25', '2026-11-01'));
    expect(rows[0]).toMatchObject({ user_id: 'ny', metric_type: 'daily', value: 1, source: 'daily' });
    expect((await storage.getCursor('ny', 'daily'))?.last_run_time).toBe('2026-11-02T04:30:00.000Z');
  });

  it('is idempotent: a rerun overwrites, never duplicates', async () => {
    const dir = tempDir();
    let v = 1;
    const { plugin } = dailyPlugin('daily', () => v);
    const config = makeConfig(dir, [{ plugin }]);
    const { storage, secrets } = stores(dir);
    await runPairs({ config, storage, secrets, now: at('2026-11-25T12:00:00Z') });
    v = 2;
    await runPairs({ config, storage, secrets, now: at('2026-11-25T13:00:00Z') });
    await runPairs({ config, storage, secrets, now: at('2026-11-25T14:00:00Z') });
    const rows = await storage.queryMetrics();
    expect(rows).toHaveLength(8);
    // Rerun windows start settleDays (1) before the last run's date: those days got the new value.
    expect(rows.filter((r) => r.value === 2).map((r) => r.date)).toEqual(['2026-11-24', '2026-11-25']);
  });

  it('a failed write leaves the cursor, and the next run covers the gap', async () => {
    const dir = tempDir();
    const { plugin, windows } = dailyPlugin('daily', (d) => Number(d.slice(8)));
    const config = makeConfig(dir, [{ plugin }]);
    const { storage: real, secrets } = stores(dir);
    let failWrites = false;
    const storage: Storage = {
      ...real,
      name: real.name,
      putMetrics: (rows) => (failWrites ? Promise.reject(new Error('disk full')) : real.putMetrics(rows)),
    };
    await runPairs({ config, storage, secrets, now: at('2026-11-10T12:00:00Z') });
    expect((await real.getCursor('me', 'daily'))?.last_run_time).toBe('2026-11-10T12:00:00.000Z');

    failWrites = true;
    const failed = await runPairs({ config, storage, secrets, now: at('2026-11-15T12:00:00Z') });
    expect(failed.runs[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('disk full') });
    const row = await real.getCursor('me', 'daily');
    expect(row).toMatchObject({ last_run_time: '2026-11-10T12:00:00.000Z', last_status: 'failed' });
    expect(row?.last_error).toContain('disk full');

    failWrites = false;
    const healed = await runPairs({ config, storage, secrets, now: at('2026-11-20T12:00:00Z') });
    expect(healed.runs[0]).toMatchObject({ status: 'ok', window: { start: '2026-11-09', end: '2026-11-20' } });
    expect(windows.at(-1)?.window).toEqual({ start: '2026-11-09', end: '2026-11-20' });
    const dates = (await real.queryMetrics()).map((r) => r.date);
    expect(dates).toEqual(eachDate('2026-11-03', '2026-11-20'));
    expect(await real.getCursor('me', 'daily')).toMatchObject({
      last_status: 'ok',
      last_run_time: '2026-11-20T12:00:00.000Z',
    });
    expect((await real.getCursor('me', 'daily'))?.last_error).toBeUndefined();
  });

  it('bounds fetches in flight by concurrency, while pairs that are writing give their slot to the next fetch', async () => {
    const dir = tempDir();
    let fetching = 0;
    let maxFetching = 0;
    let writing = 0;
    let maxBusy = 0;
    const busy = () => {
      maxBusy = Math.max(maxBusy, fetching + writing);
    };
    const { plugin: daily } = dailyPlugin();
    const plugin = {
      ...daily,
      fetch: async (ctx: PluginContext) => {
        fetching++;
        maxFetching = Math.max(maxFetching, fetching);
        busy();
        await new Promise((resolve) => setTimeout(resolve, 20));
        fetching--;
        return daily.fetch(ctx);
      },
    };
    const users = Array.from({ length: 12 }, (_, i) => ({ id: `u${i}`, timezone: 'UTC' }));
    const config = makeConfig(dir, [{ plugin }], { users, backfillDays: 2 });
    const { storage: sqlite, secrets } = stores(dir);
    // A store with a 30 ms round trip, like a remote database.
    const storage: Storage = {
      ...sqlite,
      name: sqlite.name,
      putMetrics: async (rows) => {
        writing++;
        busy();
        await new Promise((resolve) => setTimeout(resolve, 30));
        try {
          await sqlite.putMetrics(rows);
        } finally {
          writing--;
        }
      },
      queryMetrics: (q) => sqlite.queryMetrics(q),
      getCursor: (u, m) => sqlite.getCursor(u, m),
      listCursors: (q) => sqlite.listCursors(q),
      putCursor: (u) => sqlite.putCursor(u),
      close: () => sqlite.close(),
    };
    const summary = await runPairs({ config, storage, secrets, concurrency: 3, now: at('2026-11-25T12:00:00Z') });
    expect(summary.runs.every((r) => r.status === 'ok' && r.items === 3)).toBe(true);
    expect(maxFetching).toBe(3);
    // More pairs than fetch slots were busy at once (fetching or writing), never more than four times as many.
    expect(maxBusy).toBeGreaterThan(3);
    expect(maxBusy).toBeLessThanOrEqual(12);
    expect(await sqlite.queryMetrics()).toHaveLength(36);
  });

  it('isolates pairs: one throwing does not stop another', async () => {
    const dir = tempDir();
    const broken = definePlugin({
      id: 'broken',
      apiVersion: 1,
      metric: { type: 'broken' },
      async fetch() {
        throw new Error('boom');
      },
    });
    const { plugin } = dailyPlugin();
    const { storage, secrets } = stores(dir);
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: broken }, { plugin }]),
      storage,
      secrets,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs.map((r) => [r.metric, r.status])).toEqual([
      ['broken', 'failed'],
      ['daily', 'ok'],
    ]);
    expect(summary.runs[0]?.error).toContain('boom');
    expect(await storage.queryMetrics({ metricType: 'daily' })).toHaveLength(8);
    expect(await storage.getCursor('me', 'broken')).toMatchObject({ last_status: 'failed' });
    expect((await storage.getCursor('me', 'broken'))?.last_run_time).toBeUndefined();
  });

  it.each([
    ['an out-of-window date', [{ date: '2026-12-01', value: 1 }], /outside the window/],
    ['NaN', [{ date: '2026-11-24', value: Number.NaN }], /finite number/],
    [
      'the same date twice',
      [
        { date: '2026-11-24', value: 1 },
        { date: '2026-11-24', value: 2 },
      ],
      /twice|more than once|duplicate/,
    ],
  ])('rejects a result with %s whole: the pair fails, nothing of it is stored', async (_name, bad, message) => {
    const dir = tempDir();
    const plugin = definePlugin({
      id: 'bad',
      apiVersion: 1,
      metric: { type: 'bad' },
      async fetch() {
        return [{ date: '2026-11-20', value: 3 }, ...bad];
      },
    });
    const { storage, secrets } = stores(dir);
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin }]),
      storage,
      secrets,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs[0]?.status).toBe('failed');
    expect(summary.runs[0]?.error).toMatch(message);
    expect(summary.runs[0]?.error).toContain('[plugin:bad]');
    expect(await storage.queryMetrics()).toEqual([]);
    expect((await storage.getCursor('me', 'bad'))?.last_run_time).toBeUndefined();
  });

  it('backfill fetches the explicit window and never moves the cursor', async () => {
    const dir = tempDir();
    const { plugin, windows } = dailyPlugin();
    const config = makeConfig(dir, [{ plugin }]);
    const { storage, secrets } = stores(dir);
    await runPairs({ config, storage, secrets, now: at('2026-11-25T12:00:00Z') });
    const summary = await runPairs({
      config,
      storage,
      secrets,
      mode: 'backfill',
      window: { start: '2026-01-01', end: '2026-03-31' },
      now: at('2026-11-26T12:00:00Z'),
    });
    expect(summary.runs[0]).toMatchObject({
      status: 'ok',
      items: 90,
      window: { start: '2026-01-01', end: '2026-03-31' },
    });
    expect(windows.slice(1).map((w) => w.window)).toEqual([
      { start: '2026-01-01', end: '2026-01-30' },
      { start: '2026-01-31', end: '2026-03-01' },
      { start: '2026-03-02', end: '2026-03-31' },
    ]);
    expect((await storage.getCursor('me', 'daily'))?.last_run_time).toBe('2026-11-25T12:00:00.000Z');
  });

  it('throttles one entry across all users with a shared rate budget', async () => {
    const dir = tempDir();
    const starts: number[] = [];
    const plugin = definePlugin({
      id: 'limited',
      apiVersion: 1,
      metric: { type: 'limited' },
      rateLimit: { requestsPerMinute: 1200 }, // one request every 50 ms
      async fetch() {
        starts.push(performance.now());
        return [];
      },
    });
    const users = Array.from({ length: 6 }, (_, i) => ({ id: `u${i}`, timezone: 'UTC' }));
    const { storage, secrets } = stores(dir);
    await runPairs({
      config: makeConfig(dir, [{ plugin }], { users }),
      storage,
      secrets,
      concurrency: 6,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(starts).toHaveLength(6);
    const span = (starts.at(-1) ?? 0) - (starts[0] ?? 0);
    expect(span).toBeGreaterThanOrEqual(5 * 50 - 10);
  });
});
