import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CursorRow, Storage } from '../storage/types.js';
import { describeMetricRows } from './describe-storage-metrics.js';
import { compare, metric, T1, T2 } from './storage-suite-rows.js';

export { describeMetricRows };

/** Makes an empty store; called before every case, and the store is closed after it. */
export type CreateStorage = () => Storage | Promise<Storage>;

/** Options of {@link describeStorage} and its groups. */
export interface DescribeStorageOptions {
  /**
   * Per-case timeout in milliseconds, for adapters behind a slow local server.
   * @default vitest's testTimeout
   */
  timeout?: number;
}

/** The store of the running case, opened by {@link useStorageFixture}. */
export interface StorageFixture {
  store(): Storage;
  /** Per-case timeout of the groups; `undefined`: vitest's. */
  timeout: number | undefined;
}

/**
 * Open a fresh store before every case of the enclosing `describe` and close it after. The groups
 * ({@link describeMetricRows}, {@link describeCursorRows}, {@link describeStorageLifecycle}) run on
 * it; an adapter can run one group alone while it grows.
 */
export function useStorageFixture(create: CreateStorage, options: DescribeStorageOptions = {}): StorageFixture {
  let current: Storage | undefined;
  const opened: Storage[] = [];
  beforeEach(async () => {
    current = await create();
    opened.push(current);
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  return {
    store() {
      if (!current) throw new Error('describeStorage: the store is used outside a case');
      return current;
    },
    timeout: options.timeout,
  };
}

/**
 * The storage conformance suite: every {@link Storage} adapter runs it in one line — every group
 * below, under one `describe`.
 *
 * @example
 * describeStorage('sqlite', () => createSqliteStorage({ path: freshTempFile() }));
 */
export function describeStorage(name: string, create: CreateStorage, options: DescribeStorageOptions = {}): void {
  describe(`storage conformance: ${name}`, () => {
    const fixture = useStorageFixture(create, options);
    describeMetricRows(fixture);
    describeCursorRows(fixture);
    describeStorageLifecycle(fixture);
  });
}

/**
 * Cursor rows (the `runs` table): created, read and listed; `last_run_time` only moves forward
 * while status and error always update; an omitted error clears the stored one.
 */
export function describeCursorRows(fixture: StorageFixture): void {
  const s = () => fixture.store();
  describe('cursor rows', { timeout: fixture.timeout }, () => {
    it('putCursor creates a cursor row', async () => {
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      const cursor = await s().getCursor('me', 'steps');
      expect(cursor).toEqual({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      expect(cursor?.last_error).toBeUndefined();
    });

    it('putCursor without last_run_time creates a row without one', async () => {
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'failed', last_error: 'boom' });
      const cursor = await s().getCursor('me', 'steps');
      expect(cursor).toEqual({ user_id: 'me', metric_type: 'steps', last_status: 'failed', last_error: 'boom' });
      expect(cursor?.last_run_time).toBeUndefined();
    });

    it('a later last_run_time moves the cursor forward', async () => {
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T2 });
      expect((await s().getCursor('me', 'steps'))?.last_run_time).toBe(T2);
    });

    it('an earlier last_run_time does not move the cursor back, but status and error still update', async () => {
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T2 });
      await s().putCursor({
        user_id: 'me',
        metric_type: 'steps',
        last_status: 'failed',
        last_error: 'late writer',
        last_run_time: T1,
      });
      expect(await s().getCursor('me', 'steps')).toEqual({
        user_id: 'me',
        metric_type: 'steps',
        last_status: 'failed',
        last_error: 'late writer',
        last_run_time: T2,
      });
    });

    it('an update without last_run_time keeps the stored one', async () => {
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'reconnect', last_error: 'revoked' });
      expect(await s().getCursor('me', 'steps')).toEqual({
        user_id: 'me',
        metric_type: 'steps',
        last_status: 'reconnect',
        last_error: 'revoked',
        last_run_time: T1,
      });
    });

    it('last_error omitted clears the stored error', async () => {
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'failed', last_error: 'boom' });
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      const cursor = await s().getCursor('me', 'steps');
      expect(cursor).toEqual({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      expect(cursor?.last_error).toBeUndefined();
    });

    it('getCursor of an unknown user or metric is undefined', async () => {
      expect(await s().getCursor('me', 'steps')).toBeUndefined();
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      expect(await s().getCursor('me', 'water_ml')).toBeUndefined();
      expect(await s().getCursor('you', 'steps')).toBeUndefined();
    });

    it('listCursors returns every cursor row, or those of one metric', async () => {
      expect(await s().listCursors()).toEqual([]);
      const cursors: CursorRow[] = [
        { user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 },
        { user_id: 'you', metric_type: 'steps', last_status: 'failed', last_error: 'boom' },
        { user_id: 'me', metric_type: 'water_ml', last_status: 'ok', last_run_time: T2 },
      ];
      for (const cursor of cursors) await s().putCursor(cursor);
      expect(sortCursors(await s().listCursors())).toEqual(sortCursors(cursors));
      expect(sortCursors(await s().listCursors({}))).toEqual(sortCursors(cursors));
      expect(sortCursors(await s().listCursors({ metricType: 'steps' }))).toEqual(sortCursors(cursors.slice(0, 2)));
      expect(await s().listCursors({ metricType: 'water_ml' })).toEqual([cursors[2]]);
      expect(await s().listCursors({ metricType: 'nothing' })).toEqual([]);
    });

    it('pageCursorKeys, where the adapter has it, gives the key of every cursor row exactly once', async (t) => {
      const store = s();
      if (!store.pageCursorKeys) return t.skip();
      const collect = async () => {
        const keys: string[] = [];
        for await (const page of store.pageCursorKeys?.() ?? []) {
          for (const key of page) keys.push(`${key.metric_type}|${key.user_id}`);
        }
        return keys.sort();
      };
      expect(await collect()).toEqual([]);
      const expected: string[] = [];
      for (let i = 0; i < 30; i++) {
        const metric_type = i % 3 === 0 ? 'water_ml' : 'steps';
        const user_id = `user-${String(i).padStart(2, '0')}`;
        await store.putCursor({ user_id, metric_type, last_status: 'ok', last_run_time: T1 });
        expected.push(`${metric_type}|${user_id}`);
      }
      // A second outcome of one pair is still one row.
      await store.putCursor({ user_id: 'user-01', metric_type: 'steps', last_status: 'failed', last_error: 'boom' });
      expect(await collect()).toEqual(expected.sort());
    });
  });
}

/** The two tables stay apart, and `close()` may be called twice. */
export function describeStorageLifecycle(fixture: StorageFixture): void {
  const s = () => fixture.store();
  describe('lifecycle', { timeout: fixture.timeout }, () => {
    it('metric rows and cursor rows do not show up in each other', async () => {
      await s().putMetrics([metric({ value: 1 })]);
      await s().putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      expect(await s().queryMetrics()).toEqual([metric({ value: 1 })]);
      expect(await s().listCursors()).toEqual([
        { user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 },
      ]);
    });

    it('close can be called twice', async () => {
      await s().putMetrics([metric({ value: 1 })]);
      await s().close();
      await expect(s().close()).resolves.toBeUndefined();
    });
  });
}

function sortCursors(cursors: CursorRow[]): CursorRow[] {
  return [...cursors].sort((a, b) => compare(a.user_id, b.user_id) || compare(a.metric_type, b.metric_type));
}
