import type { MetricRow } from '../storage/types.js';
import { addDays, eachDate } from '../util/dates.js';

/** Days in the trailing moving average. */
const MOVING_AVERAGE_DAYS = 7;

/** One user × metric laid out day by day; a day with no stored value is `null`, never 0. */
export interface DailySeries {
  dates: string[];
  values: (number | null)[];
}

/** Summary figures of a series. Absent figures had no data to stand on. */
export interface SeriesSummary {
  /** Days with a value. */
  days: number;
  /** Mean of the days with a value. */
  average?: number;
  /** The highest value and its date (the first such day on a tie). */
  best?: { date: string; value: number };
  /** Mean of the last 7 days of the range (days with a value). */
  last7?: number;
  /** Mean of the 7 days before those. */
  previous7?: number;
  /** `(last7 - previous7) / previous7` in percent; absent when either is missing or previous7 is 0. */
  changePercent?: number;
}

/** Rows of one user × metric as one value per day from `from` to `to` (inclusive). */
export function dailySeries(rows: readonly Pick<MetricRow, 'date' | 'value'>[], from: string, to: string): DailySeries {
  const byDate = new Map(rows.map((r) => [r.date, r.value]));
  const dates = from <= to ? eachDate(from, to) : [];
  return { dates, values: dates.map((d) => byDate.get(d) ?? null) };
}

/**
 * Trailing moving average over `days` days, of the days that have a value.
 * `null` where the window holds no value at all, so a long gap stays a gap.
 */
export function movingAverage(values: readonly (number | null)[], days = MOVING_AVERAGE_DAYS): (number | null)[] {
  return values.map((_, i) => mean(values.slice(Math.max(0, i - days + 1), i + 1)) ?? null);
}

function mean(values: readonly (number | null)[]): number | undefined {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0) / present.length;
}

/** Average, best day, and the last 7 days against the 7 before. */
export function summarize(series: DailySeries): SeriesSummary {
  const { dates, values } = series;
  const summary: SeriesSummary = { days: values.filter((v) => v !== null).length };
  const average = mean(values);
  if (average !== undefined) summary.average = average;
  values.forEach((value, i) => {
    const date = dates[i];
    if (value !== null && date !== undefined && (summary.best === undefined || value > summary.best.value)) {
      summary.best = { date, value };
    }
  });
  const n = values.length;
  const last7 = mean(values.slice(Math.max(0, n - 7)));
  const previous7 = n > 7 ? mean(values.slice(Math.max(0, n - 14), n - 7)) : undefined;
  if (last7 !== undefined) summary.last7 = last7;
  if (previous7 !== undefined) summary.previous7 = previous7;
  if (last7 !== undefined && previous7 !== undefined && previous7 !== 0) {
    summary.changePercent = ((last7 - previous7) / Math.abs(previous7)) * 100;
  }
  return summary;
}

/** The default report range when a bound is not given: the stored data's own first and last day. */
export function defaultRange(
  rows: readonly Pick<MetricRow, 'date'>[],
  range: { from?: string; to?: string },
  today: string,
): { from: string; to: string } {
  const dates = rows.map((r) => r.date).sort();
  const to = range.to ?? dates.at(-1) ?? today;
  const from = range.from ?? dates[0] ?? addDays(to, -29);
  return { from, to };
}
