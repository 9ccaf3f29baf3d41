import { addDays, chunkWindow, type DateWindow, LifeStatsError, type Observation } from '@life-stats/core/plugin';
import type { GoogleSession } from '@life-stats/google-common';
import { type CivilDateTime, civilDate, formatCivilDate, type HealthReadOptions, readNumber } from './civil.js';
import type { HealthDataType, RollupValues } from './data-types.js';

/*
 * `users.dataTypes.dataPoints.dailyRollUp` of the Google Health API v4, as its REST reference
 * (developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/dailyRollUp) and the
 * googleapis@188 `health/v4` typings document it:
 *
 *   POST {root}v4/users/me/dataTypes/{dataType}/dataPoints:dailyRollUp
 *   { "range": { "start": { "date": {y,m,d} }, "end": { "date": {y,m,d} } },  // CivilTimeInterval, closed-open
 *     "windowSizeDays": 1, "pageToken"?: "…" }
 *   → { "rollupDataPoints": [ { "civilStartTime": {…}, "civilEndTime": {…}, "<field>": {…} } ],
 *       "nextPageToken"?: "…" }   // omitted on the last page
 *
 * - The range must be aligned with the window (whole days: no `time`) and is at most 90 days, 14 for
 *   `heart-rate`, `active-minutes` and `total-calories` (and `calories-in-heart-rate-zone`).
 * - A page holds at most 90 points unless `pageSize` says otherwise (max 10000): one page covers a
 *   90-day range of daily windows, and `nextPageToken` is followed whenever Google sets it.
 * - The civil days are Google's, computed from each sample's own UTC offset: the days the user
 *   lived, wherever they were.
 * - developers.google.com/health/data-presence-and-true-zeros: for `steps`, `distance`, `floors`,
 *   `altitude` and `total-calories` a 0 is a *true zero* (the device was worn, nothing happened); a
 *   window in which no device was worn gets no data. Whether "no data" is a point without the
 *   value or no point at all is not said; both give no observation here.
 *
 * Requests go through the session's OAuth client as plain JSON requests (gaxios); the googleapis
 * Health module is not used, so the bundle carries no googleapis code at all.
 */

/** A runaway pagination guard: 90 daily points fit one page, so a chunk never needs many. */
const MAX_PAGES = 100;

interface DailyRollupPoint extends RollupValues {
  civilStartTime?: CivilDateTime | null;
  civilEndTime?: CivilDateTime | null;
}

interface DailyRollUpResponse {
  rollupDataPoints?: DailyRollupPoint[] | null;
  nextPageToken?: string | null;
}

type RollupType = Extract<HealthDataType, { read: 'rollup' }>;

/** The request body for the civil days of `window`: closed-open, so it ends the midnight after its last day. */
export function dailyRollUpRequest(window: DateWindow, pageToken?: string): Record<string, unknown> {
  return {
    range: { start: { date: civilDate(window.start) }, end: { date: civilDate(addDays(window.end, 1)) } },
    windowSizeDays: 1,
    ...(pageToken ? { pageToken } : {}),
  };
}

/** Values carry at most micro-units of precision: mm → m must not write 8123.456000000001. */
const tidy = (value: number): number => Math.round(value * 1e6) / 1e6;

/** The day's value of one point, converted to the data type's unit; `undefined` when the point has none. */
function pointValue(point: DailyRollupPoint, type: RollupType): number | undefined {
  const raw = type.value(point);
  const values = (Array.isArray(raw) ? raw : [raw]).map(readNumber).filter((v) => v !== undefined);
  if (values.length === 0) return undefined;
  const sum = values.reduce((a, b) => a + b, 0);
  return type.scale === undefined ? sum : tidy(sum * type.scale);
}

/**
 * One observation per roll-up point that carries a value for `type`, inside `window`.
 *
 * @throws {LifeStatsError} for a point with no civil date or a value that is not a finite, non-negative number.
 */
export function observationsFromRollup(
  points: readonly DailyRollupPoint[],
  type: RollupType,
  options: { pluginId: string; dataType: string; window: DateWindow },
): Observation[] {
  const observations: Observation[] = [];
  for (const point of points) {
    const value = pointValue(point, type);
    if (value === undefined) continue; // nothing recorded: no row, never a 0
    const date = formatCivilDate(point.civilStartTime?.date);
    if (!date || !Number.isFinite(value) || value < 0) {
      throw new LifeStatsError(
        'E_PLUGIN_FAILED',
        `[life-stats] [plugin:${options.pluginId}] the Google Health API returned a ${options.dataType} roll-up point that is not a day's value (civilStartTime ${JSON.stringify(point.civilStartTime?.date ?? null)}, value ${JSON.stringify(type.value(point) ?? null)}); nothing was stored`,
        { hint: 'Check that `apiRootUrl` points at the Google Health API (or a faithful proxy of it).' },
      );
    }
    if (date < options.window.start || date > options.window.end) continue;
    observations.push({ date, value });
  }
  return observations;
}

/**
 * Read `dataType`'s daily values over `options.window` (any length): one roll-up request per
 * `type.maxDays` days, each followed through its pages.
 */
export async function readRollup(
  session: GoogleSession,
  dataType: string,
  type: RollupType,
  options: HealthReadOptions,
): Promise<Observation[]> {
  const url = `${options.apiRootUrl}v4/users/me/dataTypes/${dataType}/dataPoints:dailyRollUp`;
  const observations: Observation[] = [];
  for (const chunk of chunkWindow(options.window, type.maxDays)) {
    let pageToken: string | undefined;
    let page = 0;
    do {
      options.signal.throwIfAborted();
      const response = await session.request<DailyRollUpResponse>({
        url,
        method: 'POST',
        data: dailyRollUpRequest(chunk, pageToken),
      });
      observations.push(
        ...observationsFromRollup(response?.rollupDataPoints ?? [], type, {
          pluginId: options.pluginId,
          dataType,
          window: chunk,
        }),
      );
      pageToken = response?.nextPageToken || undefined;
      page += 1;
    } while (pageToken && page < MAX_PAGES);
    if (pageToken) {
      throw new LifeStatsError(
        'E_PLUGIN_FAILED',
        `[life-stats] [plugin:${options.pluginId}] the Google Health API kept paging the ${dataType} roll-up of ${chunk.start}..${chunk.end} past ${MAX_PAGES} pages; nothing was stored`,
        { hint: 'Check that `apiRootUrl` points at the Google Health API (or a faithful proxy of it).' },
      );
    }
  }
  return mergeByDate(observations);
}

/**
 * Pages and chunks never overlap, but a proxy that repeats a point must not make core reject the
 * whole result for a date seen twice: the last value of a date wins.
 */
function mergeByDate(observations: Observation[]): Observation[] {
  const byDate = new Map<string, number>();
  for (const o of observations) byDate.set(o.date, o.value);
  return [...byDate].map(([date, value]) => ({ date, value })).sort((a, b) => a.date.localeCompare(b.date));
}
