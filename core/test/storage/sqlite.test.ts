import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rejection } from '@life-stats/testing/assertions';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../../src/storage/sqlite.js';
import { describeStorage } from '../../src/testing/describe-storage.js';
import { row, useSqliteRig } from './support/sqlite-rig.js';

const { freshPath, unique, track, handles } = useSqliteRig();

describeStorage('sqlite', () => createSqliteStorage({ path: freshPath() }));
describeStorage('sqlite :memory:', () => createSqliteStorage({ path: ':memory:' }));

describe('createSqliteStorage', () => {
  it('pages the runs table keys 1,000 at a time, every key once, while writes go on between pages', async () => {
    const storage = track(createSqliteStorage({ path: freshPath() }));
    const expected: string[] = [];
    for (let i = 0; i < 2_345; i++) {
      const user_id = `u${String(i).padStart(4, '0')}`;
      const metric_type = i % 5 === 0 ? 'sleep_minutes' : 'steps';
      await storage.putCursor({ user_id, metric_type, last_status: 'ok' });
      expected.push(`${metric_type}|${user_id}`);
    }
    const pages: number[] = [];
    const keys: string[] = [];
    for await (const page of storage.pageCursorKeys?.() ?? []) {
      pages.push(page.length);
      for (const key of page) keys.push(`${key.metric_type}|${key.user_id}`);
      // The connection is free between pages: a pair's end can be written meanwhile.
      await storage.putCursor({ user_id: 'u0001', metric_type: 'steps', last_status: 'failed', last_error: 'x' });
    }
    expect(pages).toEqual([1000, 1000, 345]);
    expect(keys.sort()).toEqual(expected.sort());
  });

  it('touches nothing until first used, then creates the missing parent folders', async () => {
    const path = join(unique('nested'), 'a', 'b', 'life-stats.db');
    const storage = track(createSqliteStorage({ path }));
    expect(existsSync(path)).toBe(false);
    expect(await storage.queryMetrics()).toEqual([]);
    expect(existsSync(path)).toBe(true);
  });

  it('keeps data across close and reopen of the same file', async () => {
    const path = freshPath();
    const first = createSqliteStorage({ path });
    await first.putMetrics([row(), row({ date: '2026-11-25', value: 72.45 })]);
    await first.putCursor({
      user_id: 'me',
      metric_type: 'steps',
      last_status: 'ok',
      last_run_time: '2026-11-25T05:30:00.000Z',
    });
    await first.close();

    const second = track(createSqliteStorage({ path }));
    expect(await second.queryMetrics()).toEqual([row(), row({ date: '2026-11-25', value: 72.45 })]);
    expect(await second.getCursor('me', 'steps')).toEqual({
      user_id: 'me',
      metric_type: 'steps',
      last_status: 'ok',
      last_run_time: '2026-11-25T05:30:00.000Z',
    });
  });

  it('stores the DynamoDB column names, with metric_date = date#metric_type, in WAL mode', async () => {
    const path = freshPath();
    const storage = track(createSqliteStorage({ path }));
    await storage.putMetrics([row()]);
    await storage.putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'failed', last_error: 'boom' });

    const db = new Database(path, { readonly: true });
    handles.push(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT * FROM metrics').all()).toEqual([
      {
        user_id: 'me',
        metric_date: '2026-11-24#steps',
        metric_type: 'steps',
        date: '2026-11-24',
        value: 8042,
        timestamp: '2026-11-24T05:30:00.000Z',
        source: 'google-fit-steps',
      },
    ]);
    expect(db.prepare('SELECT * FROM runs').all()).toEqual([
      { user_id: 'me', metric_type: 'steps', last_run_time: null, last_status: 'failed', last_error: 'boom' },
    ]);
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM metrics WHERE metric_type = 'steps' AND date BETWEEN '2026-01-01' AND '2026-02-01'",
      )
      .all() as { detail: string }[];
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING INDEX/);
  });

  it('writes a batch all or nothing', async () => {
    const storage = track(createSqliteStorage({ path: freshPath() }));
    await storage.putMetrics([row({ value: 1 })]);
    const error = await rejection(
      storage.putMetrics([
        row({ value: 2 }),
        row({ date: '2026-11-25', value: 3 }),
        row({ date: '2026-11-26', value: Number.NaN }),
      ]),
    );
    expect(error.code).toBe('E_STORAGE');
    expect(error.message).toMatch(/^\[life-stats\] \[storage:sqlite\] cannot write metrics/);
    expect(await storage.queryMetrics()).toEqual([row({ value: 1 })]);
  });

  it('works in memory', async () => {
    const storage = track(createSqliteStorage({ path: ':memory:' }));
    await storage.putMetrics([row()]);
    expect(await storage.queryMetrics({ userId: 'me' })).toEqual([row()]);
  });
});
