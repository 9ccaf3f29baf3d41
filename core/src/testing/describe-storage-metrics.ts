import { describe, expect, it } from 'vitest';
import type { MetricRow } from '../storage/types.js';
import { addDays } from '../util/dates.js';
import type { StorageFixture } from './describe-storage.js';
import { compare, metric, T1, T2 } from './storage-suite-rows.js';

/**
 * Metric rows: upserts (the same user, date and metric overwrites), every column round-trips,
 * queries filter and order as documented, large and multi-batch puts land whole.
 */
export function describeMetricRows(fixture: StorageFixture): void {
  const s = () => fixture.store();
  describe('metric rows', { timeout: fixture.timeout }, () => {
    it('puts rows and queries them back with every column', async () => {
      const rows = [
        metric({ user_id: 'me', metric_type: 'steps', date: '2026-11-24', value: 8042, source: 'google-fit-steps' }),
        metric({ user_id: 'me', metric_type: 'steps', date: '2026-11-25', value: 9000, timestamp: T2 }),
      ];
      await s().putMetrics(rows);
      expect(await s().queryMetrics()).toEqual(rows);
    });

    it('overwrites the same user, date and metric instead of duplicating', async () => {
      await s().putMetrics([metric({ value: 1, timestamp: T1, source: 'first' })]);
      await s().putMetrics([metric({ value: 2, timestamp: T2, source: 'second' })]);
      expect(await s().queryMetrics()).toEqual([metric({ value: 2, timestamp: T2, source: 'second' })]);
    });

    it('keeps different metrics on the same date apart', async () => {
      const rows = [metric({ metric_type: 'steps', value: 8000 }), metric({ metric_type: 'water_ml', value: 2000 })];
      await s().putMetrics(rows);
      expect(await s().queryMetrics()).toEqual(rows);
    });

    it('filters by user, metric, from and to (inclusive) and orders by user, metric, date', async () => {
      const all: MetricRow[] = [];
      for (const user_id of ['bob', 'alice']) {
        for (const metric_type of ['water_ml', 'steps']) {
          for (const date of ['2026-01-05', '2026-01-01', '2026-01-03', '2026-01-02', '2026-01-04']) {
            all.push(metric({ user_id, metric_type, date, value: all.length }));
          }
        }
      }
      await s().putMetrics(all);
      const expected = (keep: (row: MetricRow) => boolean) => all.filter(keep).sort(byUserMetricDate);

      expect(await s().queryMetrics()).toEqual(expected(() => true));
      expect(await s().queryMetrics({})).toEqual(expected(() => true));
      expect(await s().queryMetrics({ userId: 'bob' })).toEqual(expected((r) => r.user_id === 'bob'));
      expect(await s().queryMetrics({ metricType: 'steps' })).toEqual(expected((r) => r.metric_type === 'steps'));
      expect(await s().queryMetrics({ from: '2026-01-04' })).toEqual(expected((r) => r.date >= '2026-01-04'));
      expect(await s().queryMetrics({ to: '2026-01-02' })).toEqual(expected((r) => r.date <= '2026-01-02'));
      expect(await s().queryMetrics({ from: '2026-01-02', to: '2026-01-04' })).toEqual(
        expected((r) => r.date >= '2026-01-02' && r.date <= '2026-01-04'),
      );
      expect(await s().queryMetrics({ from: '2026-01-03', to: '2026-01-03' })).toEqual(
        expected((r) => r.date === '2026-01-03'),
      );
      expect(
        await s().queryMetrics({ userId: 'alice', metricType: 'water_ml', from: '2026-01-02', to: '2026-01-04' }),
      ).toEqual(
        expected(
          (r) =>
            r.user_id === 'alice' && r.metric_type === 'water_ml' && r.date >= '2026-01-02' && r.date <= '2026-01-04',
        ),
      );
      expect(await s().queryMetrics({ userId: 'bob', from: '2026-01-05' })).toEqual(
        expected((r) => r.user_id === 'bob' && r.date >= '2026-01-05'),
      );
      expect(await s().queryMetrics({ userId: 'nobody' })).toEqual([]);
      expect(await s().queryMetrics({ metricType: 'nothing' })).toEqual([]);
      expect(await s().queryMetrics({ from: '2026-01-04', to: '2026-01-02' })).toEqual([]);
    });

    it("a metric's range query does not return another metric's rows interleaved by date", async () => {
      // `step` is a prefix of `steps`, and both sort between `sleep` and `water` by date:
      // a query on the composite `date#metric` key alone would mix them.
      const rows: MetricRow[] = [];
      for (const date of ['2026-03-01', '2026-03-02', '2026-03-03']) {
        for (const metric_type of ['sleep', 'step', 'steps', 'water']) {
          rows.push(metric({ metric_type, date, value: rows.length }));
        }
      }
      await s().putMetrics(rows);
      const steps = rows.filter((r) => r.metric_type === 'steps');
      expect(await s().queryMetrics({ userId: 'me', metricType: 'steps' })).toEqual(steps);
      expect(await s().queryMetrics({ metricType: 'steps', from: '2026-03-01', to: '2026-03-03' })).toEqual(steps);
      expect(await s().queryMetrics({ userId: 'me', metricType: 'step', to: '2026-03-02' })).toEqual(
        rows.filter((r) => r.metric_type === 'step' && r.date <= '2026-03-02'),
      );
    });

    it('an empty put is a no-op', async () => {
      await s().putMetrics([]);
      expect(await s().queryMetrics()).toEqual([]);
      const row = metric({ value: 5 });
      await s().putMetrics([row]);
      await s().putMetrics([]);
      expect(await s().queryMetrics()).toEqual([row]);
    });

    it('1,000 rows in one put all land', async () => {
      const rows = Array.from({ length: 1000 }, (_, i) =>
        metric({ date: addDays('2023-01-01', i), value: i * 1.5, timestamp: T1 }),
      );
      await s().putMetrics(rows);
      const stored = await s().queryMetrics({ userId: 'me', metricType: 'steps' });
      expect(stored).toHaveLength(1000);
      expect(stored).toEqual(rows);
    });

    it('60 rows for several users and metrics in one put all land (crossing 25-item batches)', async () => {
      const rows: MetricRow[] = [];
      for (const user_id of ['u1', 'u2', 'u3']) {
        for (const metric_type of ['mood', 'steps']) {
          for (let i = 0; i < 10; i++) {
            rows.push(metric({ user_id, metric_type, date: addDays('2026-02-20', i), value: rows.length }));
          }
        }
      }
      expect(rows).toHaveLength(60);
      await s().putMetrics([...rows].reverse());
      expect(await s().queryMetrics()).toEqual(rows);
    });

    it('values 0, negative and fractional round-trip exactly', async () => {
      const values = [0, -1, -3.5, 72.45, 0.1 + 0.2, 1e-7, 123456789.123, 2 ** 40, -0.001];
      const rows = values.map((value, i) => metric({ date: addDays('2026-05-01', i), value }));
      await s().putMetrics(rows);
      expect((await s().queryMetrics()).map((r) => r.value)).toEqual(values);
    });

    it('user ids and metric names with unusual characters round-trip', async () => {
      const rows = [
        metric({ user_id: 'user@example.com', metric_type: 'a-b_c', value: 1 }),
        metric({ user_id: "o'brien+test@example.com", metric_type: 'a-b_c', value: 2 }),
        metric({ user_id: 'user with spaces', metric_type: 'x%_y', value: 3 }),
      ];
      await s().putMetrics(rows);
      expect(await s().queryMetrics({ userId: 'user@example.com', metricType: 'a-b_c' })).toEqual([rows[0]]);
      expect(await s().queryMetrics({ userId: "o'brien+test@example.com" })).toEqual([rows[1]]);
      expect(await s().queryMetrics({ metricType: 'x%_y' })).toEqual([rows[2]]);
      // Wildcard characters are literal, not patterns.
      expect(await s().queryMetrics({ metricType: 'x%' })).toEqual([]);
      expect(await s().queryMetrics({ metricType: 'a-b%' })).toEqual([]);

      await s().putCursor({ user_id: 'user@example.com', metric_type: 'a-b_c', last_status: 'ok', last_run_time: T1 });
      expect(await s().getCursor('user@example.com', 'a-b_c')).toEqual({
        user_id: 'user@example.com',
        metric_type: 'a-b_c',
        last_status: 'ok',
        last_run_time: T1,
      });
    });
  });
}

function byUserMetricDate(a: MetricRow, b: MetricRow): number {
  return compare(a.user_id, b.user_id) || compare(a.metric_type, b.metric_type) || compare(a.date, b.date);
}
