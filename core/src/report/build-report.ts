import type { LoadedConfig } from '../config/types.js';
import type { MetricQuery, Storage } from '../storage/types.js';
import { localDate } from '../util/dates.js';
import { dailySeries, defaultRange, movingAverage, type SeriesSummary, summarize } from './series.js';

/** One chart of the report: one user × metric. */
export interface ReportChart {
  user: string;
  metric: string;
  /** The entry's unit (its data type's, else the plugin's `metric.unit`), when an enabled entry writes the metric. */
  unit?: string;
  dates: string[];
  /** `null` for a day with no stored value (drawn as a gap). */
  values: (number | null)[];
  /** 7-day trailing moving average. */
  average7: (number | null)[];
  summary: SeriesSummary;
}

/** Everything the report page shows, embedded in it as JSON. */
export interface ReportData {
  generatedAt: string;
  from: string;
  to: string;
  charts: ReportChart[];
}

/**
 * Read the stored metrics (filtered by user, metric and dates) into one chart per user × metric.
 * Without `from`/`to`, the range is the stored data's own; every chart shares the same range.
 */
export async function buildReport(options: {
  storage: Storage;
  config?: Pick<LoadedConfig, 'plugins' | 'timezone'>;
  query?: MetricQuery;
  now?: Date;
}): Promise<ReportData> {
  const now = options.now ?? new Date();
  const query = options.query ?? {};
  const rows = await options.storage.queryMetrics(query);
  const range = defaultRange(rows, query, localDate(now, options.config?.timezone ?? 'UTC'));
  const groups = new Map<string, { user: string; metric: string; rows: typeof rows }>();
  for (const row of rows) {
    const k = JSON.stringify([row.user_id, row.metric_type]);
    const group = groups.get(k) ?? { user: row.user_id, metric: row.metric_type, rows: [] };
    groups.set(k, group);
    group.rows.push(row);
  }
  const unitOf = (metric: string) =>
    options.config?.plugins.find((e) => e.enabled && e.metric === metric && e.unit)?.unit;
  const charts = [...groups.values()]
    .sort((a, b) => (a.user === b.user ? a.metric.localeCompare(b.metric) : a.user.localeCompare(b.user)))
    .map((g): ReportChart => {
      const series = dailySeries(g.rows, range.from, range.to);
      const unit = unitOf(g.metric);
      return {
        user: g.user,
        metric: g.metric,
        ...(unit ? { unit } : {}),
        dates: series.dates,
        values: series.values,
        average7: movingAverage(series.values),
        summary: summarize(series),
      };
    });
  return { generatedAt: now.toISOString(), from: range.from, to: range.to, charts };
}
