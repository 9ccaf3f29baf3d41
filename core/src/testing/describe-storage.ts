import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricRow, RunRow, Storage } from '../storage/types.js';
import { addDays } from '../util/dates.js';

/** Options of {@link describeStorage}. */
export interface DescribeStorageOptions {
  /** Names of cases to skip (the text after the suite name), for a documented limit of an adapter. */
  skip?: string[];
  /**
   * Per-case timeout in milliseconds, for adapters behind a slow local server.
   * @default vitest's testTimeout
   */
  timeout?: number;
}

/**
 * The storage conformance suite: every {@link Storage} adapter runs it in one line.
 *
 * `create` must return an empty store each time it is called; it is called before every case and
 * the store is closed after it.
 *
 * @example
 * describeStorage('sqlite', () => createSqliteStorage({ path: freshTempFile() }));
 */
export function describeStorage(
  name: string,
  create: () => Storage | Promise<Storage>,
  options: DescribeStorageOptions = {},
): void {
  const skip = new Set(options.skip ?? []);

  describe(`storage conformance: ${name}`, () => {
    let store: Storage;
    const opened: Storage[] = [];

    beforeEach(async () => {
      store = await create();
      opened.push(store);
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    const test = (title: string, fn: () => Promise<void>): void => {
      (skip.has(title) ? it.skip : it)(title, fn, options.timeout);
    };

    test('puts rows and queries them back with every column', async () => {
      const rows = [
        metric({ user_id: 'me', metric_type: 'steps', date: '2026-11-24', value: 8042, source: 'google-fit-steps' }),
        metric({ user_id: 'me', metric_type: 'steps', date: '2026-11-25', value: 9000, timestamp: T2 }),
      ];
      await store.putMetrics(rows);
      expect(await store.queryMetrics()).toEqual(rows);
    });

    test('overwrites the same user, date and metric instead of duplicating', async () => {
      await store.putMetrics([metric({ value: 1, timestamp: T1, source: 'first' })]);
      await store.putMetrics([metric({ value: 2, timestamp: T2, source: 'second' })]);
      expect(await store.queryMetrics()).toEqual([metric({ value: 2, timestamp: T2, source: 'second' })]);
    });

    test('keeps different metrics on the same date apart', async () => {
      const rows = [metric({ metric_type: 'steps', value: 8000 }), metric({ metric_type: 'water_ml', value: 2000 })];
      await store.putMetrics(rows);
      expect(await store.queryMetrics()).toEqual(rows);
    });

    test('filters by user, metric, from and to (inclusive) and orders by user, metric, date', async () => {
      const all: MetricRow[] = [];
      for (const user_id of ['bob', 'alice']) {
        for (const metric_type of ['water_ml', 'steps']) {
          for (const date of ['2026-01-05', '2026-01-01', '2026-01-03', '2026-01-02', '2026-01-04']) {
            all.push(metric({ user_id, metric_type, date, value: all.length }));
          }
        }
      }
      await store.putMetrics(all);
      const expected = (keep: (row: MetricRow) => boolean) => all.filter(keep).sort(byUserMetricDate);

      expect(await store.queryMetrics()).toEqual(expected(() => true));
      expect(await store.queryMetrics({})).toEqual(expected(() => true));
      expect(await store.queryMetrics({ userId: 'bob' })).toEqual(expected((r) => r.user_id === 'bob'));
      expect(await store.queryMetrics({ metricType: 'steps' })).toEqual(expected((r) => r.metric_type === 'steps'));
      expect(await store.queryMetrics({ from: '2026-01-04' })).toEqual(expected((r) => r.date >= '2026-01-04'));
      expect(await store.queryMetrics({ to: '2026-01-02' })).toEqual(expected((r) => r.date <= '2026-01-02'));
      expect(await store.queryMetrics({ from: '2026-01-02', to: '2026-01-04' })).toEqual(
        expected((r) => r.date >= '2026-01-02' && r.date <= '2026-01-04'),
      );
      expect(await store.queryMetrics({ from: '2026-01-03', to: '2026-01-03' })).toEqual(
        expected((r) => r.date === '2026-01-03'),
      );
      expect(
        await store.queryMetrics({ userId: 'alice', metricType: 'water_ml', from: '2026-01-02', to: '2026-01-04' }),
      ).toEqual(
        expected(
          (r) =>
            r.user_id === 'alice' && r.metric_type === 'water_ml' && r.date >= '2026-01-02' && r.date <= '2026-01-04',
        ),
      );
      expect(await store.queryMetrics({ userId: 'bob', from: '2026-01-05' })).toEqual(
        expected((r) => r.user_id === 'bob' && r.date >= '2026-01-05'),
      );
      expect(await store.queryMetrics({ userId: 'nobody' })).toEqual([]);
      expect(await store.queryMetrics({ metricType: 'nothing' })).toEqual([]);
      expect(await store.queryMetrics({ from: '2026-01-04', to: '2026-01-02' })).toEqual([]);
    });

    test("a metric's range query does not return another metric's rows interleaved by date", async () => {
      // `step` is a prefix of `steps`, and both sort between `sleep` and `water` by date:
      // a query on the composite `date#metric` key alone would mix them.
      const rows: MetricRow[] = [];
      for (const date of ['2026-03-01', '2026-03-02', '2026-03-03']) {
        for (const metric_type of ['sleep', 'step', 'steps', 'water']) {
          rows.push(metric({ metric_type, date, value: rows.length }));
        }
      }
      await store.putMetrics(rows);
      const steps = rows.filter((r) => r.metric_type === 'steps');
      expect(await store.queryMetrics({ userId: 'me', metricType: 'steps' })).toEqual(steps);
      expect(await store.queryMetrics({ metricType: 'steps', from: '2026-03-01', to: '2026-03-03' })).toEqual(steps);
      expect(await store.queryMetrics({ userId: 'me', metricType: 'step', to: '2026-03-02' })).toEqual(
        rows.filter((r) => r.metric_type === 'step' && r.date <= '2026-03-02'),
      );
    });

    test('an empty put is a no-op', async () => {
      await store.putMetrics([]);
      expect(await store.queryMetrics()).toEqual([]);
      const row = metric({ value: 5 });
      await store.putMetrics([row]);
      await store.putMetrics([]);
      expect(await store.queryMetrics()).toEqual([row]);
    });

    test('1,000 rows in one put all land', async () => {
      const rows = Array.from({ length: 1000 }, (_, i) =>
        metric({ date: addDays('2023-01-01', i), value: i * 1.5, timestamp: T1 }),
      );
      await store.putMetrics(rows);
      const stored = await store.queryMetrics({ userId: 'me', metricType: 'steps' });
      expect(stored).toHaveLength(1000);
      expect(stored).toEqual(rows);
    });

    test('60 rows for several users and metrics in one put all land (crossing 25-item batches)', async () => {
      const rows: MetricRow[] = [];
      for (const user_id of ['u1', 'u2', 'u3']) {
        for (const metric_type of ['mood', 'steps']) {
          for (let i = 0; i < 10; i++) {
            rows.push(metric({ user_id, metric_type, date: addDays('2026-02-20', i), value: rows.length }));
          }
        }
      }
      expect(rows).toHaveLength(60);
      await store.putMetrics([...rows].reverse());
      expect(await store.queryMetrics()).toEqual(rows);
    });

    test('values 0, negative and fractional round-trip exactly', async () => {
      const values = [0, -1, -3.5, 72.45, 0.1 + 0.2, 1e-7, 123456789.123, 2 ** 40, -0.001];
      const rows = values.map((value, i) => metric({ date: addDays('2026-05-01', i), value }));
      await store.putMetrics(rows);
      expect((await store.queryMetrics()).map((r) => r.value)).toEqual(values);
    });

    test('user ids and metric names with unusual characters round-trip', async () => {
      const rows = [
        metric({ user_id: 'user@example.com', metric_type: 'a-b_c', value: 1 }),
        metric({ user_id: "o'brien+test@example.com", metric_type: 'a-b_c', value: 2 }),
        metric({ user_id: 'user with spaces', metric_type: 'x%_y', value: 3 }),
      ];
      await store.putMetrics(rows);
      expect(await store.queryMetrics({ userId: 'user@example.com', metricType: 'a-b_c' })).toEqual([rows[0]]);
      expect(await store.queryMetrics({ userId: "o'brien+test@example.com" })).toEqual([rows[1]]);
      expect(await store.queryMetrics({ metricType: 'x%_y' })).toEqual([rows[2]]);
      // Wildcard characters are literal, not patterns.
      expect(await store.queryMetrics({ metricType: 'x%' })).toEqual([]);
      expect(await store.queryMetrics({ metricType: 'a-b%' })).toEqual([]);

      await store.putRun({ user_id: 'user@example.com', metric_type: 'a-b_c', last_status: 'ok', last_run_time: T1 });
      expect(await store.getRun('user@example.com', 'a-b_c')).toEqual({
        user_id: 'user@example.com',
        metric_type: 'a-b_c',
        last_status: 'ok',
        last_run_time: T1,
      });
    });

    test('putRun creates a run row', async () => {
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      const run = await store.getRun('me', 'steps');
      expect(run).toEqual({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      expect(run?.last_error).toBeUndefined();
    });

    test('putRun without last_run_time creates a row without one', async () => {
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'failed', last_error: 'boom' });
      const run = await store.getRun('me', 'steps');
      expect(run).toEqual({ user_id: 'me', metric_type: 'steps', last_status: 'failed', last_error: 'boom' });
      expect(run?.last_run_time).toBeUndefined();
    });

    test('a later last_run_time moves the cursor forward', async () => {
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T2 });
      expect((await store.getRun('me', 'steps'))?.last_run_time).toBe(T2);
    });

    test('an earlier last_run_time does not move the cursor back, but status and error still update', async () => {
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T2 });
      await store.putRun({
        user_id: 'me',
        metric_type: 'steps',
        last_status: 'failed',
        last_error: 'late writer',
        last_run_time: T1,
      });
      expect(await store.getRun('me', 'steps')).toEqual({
        user_id: 'me',
        metric_type: 'steps',
        last_status: 'failed',
        last_error: 'late writer',
        last_run_time: T2,
      });
    });

    test('an update without last_run_time keeps the stored one', async () => {
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'reconnect', last_error: 'revoked' });
      expect(await store.getRun('me', 'steps')).toEqual({
        user_id: 'me',
        metric_type: 'steps',
        last_status: 'reconnect',
        last_error: 'revoked',
        last_run_time: T1,
      });
    });

    test('last_error omitted clears the stored error', async () => {
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'failed', last_error: 'boom' });
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      const run = await store.getRun('me', 'steps');
      expect(run).toEqual({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      expect(run?.last_error).toBeUndefined();
    });

    test('getRun of an unknown user or metric is undefined', async () => {
      expect(await store.getRun('me', 'steps')).toBeUndefined();
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      expect(await store.getRun('me', 'water_ml')).toBeUndefined();
      expect(await store.getRun('you', 'steps')).toBeUndefined();
    });

    test('listRuns returns every run row, or those of one metric', async () => {
      expect(await store.listRuns()).toEqual([]);
      const runs: RunRow[] = [
        { user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 },
        { user_id: 'you', metric_type: 'steps', last_status: 'failed', last_error: 'boom' },
        { user_id: 'me', metric_type: 'water_ml', last_status: 'ok', last_run_time: T2 },
      ];
      for (const run of runs) await store.putRun(run);
      expect(sortRuns(await store.listRuns())).toEqual(sortRuns(runs));
      expect(sortRuns(await store.listRuns({}))).toEqual(sortRuns(runs));
      expect(sortRuns(await store.listRuns({ metricType: 'steps' }))).toEqual(sortRuns(runs.slice(0, 2)));
      expect(await store.listRuns({ metricType: 'water_ml' })).toEqual([runs[2]]);
      expect(await store.listRuns({ metricType: 'nothing' })).toEqual([]);
    });

    test('metric rows and run rows do not show up in each other', async () => {
      await store.putMetrics([metric({ value: 1 })]);
      await store.putRun({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
      expect(await store.queryMetrics()).toEqual([metric({ value: 1 })]);
      expect(await store.listRuns()).toEqual([
        { user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 },
      ]);
    });

    test('close can be called twice', async () => {
      await store.putMetrics([metric({ value: 1 })]);
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}

const T1 = '2026-11-24T05:30:00.000Z';
const T2 = '2026-11-25T05:30:00.000Z';

function metric(fields: Partial<MetricRow> = {}): MetricRow {
  return {
    user_id: 'me',
    metric_type: 'steps',
    date: '2026-11-24',
    value: 0,
    timestamp: T1,
    source: 'test-plugin',
    ...fields,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byUserMetricDate(a: MetricRow, b: MetricRow): number {
  return compare(a.user_id, b.user_id) || compare(a.metric_type, b.metric_type) || compare(a.date, b.date);
}

function sortRuns(runs: RunRow[]): RunRow[] {
  return [...runs].sort((a, b) => compare(a.user_id, b.user_id) || compare(a.metric_type, b.metric_type));
}
