import { addDays, chunkWindow, type DateWindow, LifeStatsError, type Observation } from '@life-stats/core/plugin';
import type { GoogleSession } from '@life-stats/google-common';

/*
 * Google Health API v4, `users.dataTypes.dataPoints.dailyRollUp`, as documented in its REST reference
 * (developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/dailyRollUp) and in the
 * discovery-generated `health/v4` typings of googleapis@188:
 *
 *   POST {root}v4/users/me/dataTypes/steps/dataPoints:dailyRollUp
 *   { "range": { "start": { "date": {y,m,d} }, "end": { "date": {y,m,d} } },  // CivilTimeInterval, closed-open
 *     "windowSizeDays": 1, "pageSize"?: n, "pageToken"?: "…" }
 *   → { "rollupDataPoints": [ { "civilStartTime": { "date": {…}, "time"?: {…} }, "civilEndTime": {…},
 *                               "steps": { "countSum": "8123" } } ], "nextPageToken"?: "…" }
 *
 * Documented limits: at most 90 days per request for `steps`; the range must be aligned with the
 * aggregation window (whole days: no `time`); a page holds at most 90 points unless `pageSize` asks
 * for more (max 10000), and `nextPageToken` — omitted on the last page — is sent back as
 * `pageToken` with an otherwise identical request. (googleapis@176 still said 1440 points and had
 * no `nextPageToken`.) `countSum` is an int64 (a JSON string): a *true zero* (the device was worn,
 * no step) is "0", and a day in which no device was worn has no data
 * (developers.google.com/health/data-presence-and-true-zeros).
 *
 * The request is a plain JSON request through the session's OAuth client (gaxios), not the
 * googleapis Health module, so the bundle carries no googleapis code at all.
 *
 * Not verified against the live API (this package was written without access to it): whether a
 * day without data comes back as a point without `steps` or as no point at all — both give no row.
 */

/** The most days one roll-up request asks for (Google allows 90 for steps; 30 matches the core chunking, unchanged for existing configs). */
export const HEALTH_MAX_DAYS_PER_REQUEST = 30;
/** A runaway pagination guard: 30 daily points fit one page of 90. */
const MAX_PAGES = 50;

/** `google.type.Date`. */
interface CivilDate {
  year: number;
  month: number;
  day: number;
}

interface CivilDateTime {
  date?: Partial<CivilDate> | null;
  time?: Record<string, number | null> | null;
}

/** One point of a `DailyRollUpDataPointsResponse`, as far as steps go. */
interface DailyRollupDataPoint {
  civilStartTime?: CivilDateTime | null;
  civilEndTime?: CivilDateTime | null;
  steps?: { countSum?: string | number | null } | null;
}

interface DailyRollUpResponse {
  rollupDataPoints?: DailyRollupDataPoint[] | null;
  nextPageToken?: string | null;
}

/** What a read needs besides the session. */
export interface HealthReadOptions {
  pluginId: string;
  /** `apiRootUrl`, ending in `/`. */
  apiRootUrl: string;
  window: DateWindow;
  signal: AbortSignal;
}

/** `2026-11-01` → `{ year: 2026, month: 11, day: 1 }`. */
export function civilDate(date: string): CivilDate {
  const [year, month, day] = date.split('-').map(Number);
  return { year: year ?? 0, month: month ?? 0, day: day ?? 0 };
}

function formatCivilDate(date: Partial<CivilDate> | null | undefined): string | undefined {
  if (!date?.year || !date.month || !date.day) return undefined;
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/**
 * The request body for the civil days of `window`: the range is closed-open, so it ends at the
 * midnight after the window's last day.
 */
export function dailyRollUpRequest(window: DateWindow, pageToken?: string): Record<string, unknown> {
  return {
    range: { start: { date: civilDate(window.start) }, end: { date: civilDate(addDays(window.end, 1)) } },
    windowSizeDays: 1,
    ...(pageToken ? { pageToken } : {}),
  };
}

/**
 * One observation per roll-up point that carries a step count. The civil days are the ones Google
 * computed from each sample's own UTC offset — the days the user lived, wherever they were.
 */
export function observationsFromRollup(
  points: readonly DailyRollupDataPoint[],
  options: Pick<HealthReadOptions, 'pluginId' | 'window'>,
): Observation[] {
  const observations: Observation[] = [];
  for (const point of points) {
    const raw = point.steps?.countSum;
    if (raw === undefined || raw === null || raw === '') continue; // nothing recorded: no row, never a 0
    const date = formatCivilDate(point.civilStartTime?.date);
    const value = Number(raw);
    if (!date || !Number.isFinite(value) || value < 0) {
      throw new LifeStatsError(
        'E_PLUGIN_FAILED',
        `[life-stats] [plugin:${options.pluginId}] the Google Health API returned a roll-up point that is not a day's step count (civilStartTime ${JSON.stringify(point.civilStartTime?.date ?? null)}, countSum ${JSON.stringify(raw)})`,
        { hint: 'Check that `apiRootUrl` points at the Google Health API (or a faithful proxy of it).' },
      );
    }
    if (date < options.window.start || date > options.window.end) continue;
    observations.push({ date, value });
  }
  return observations;
}

/** Read the daily steps of `options.window` (any length), one roll-up request per 30 days. */
export async function readHealthSteps(session: GoogleSession, options: HealthReadOptions): Promise<Observation[]> {
  const url = `${options.apiRootUrl}v4/users/me/dataTypes/steps/dataPoints:dailyRollUp`;
  const observations: Observation[] = [];
  for (const chunk of chunkWindow(options.window, HEALTH_MAX_DAYS_PER_REQUEST)) {
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await session.request<DailyRollUpResponse>({
        url,
        method: 'POST',
        data: dailyRollUpRequest(chunk, pageToken),
      });
      observations.push(...observationsFromRollup(response?.rollupDataPoints ?? [], { ...options, window: chunk }));
      pageToken = response?.nextPageToken || undefined;
      if (!pageToken) break;
    }
  }
  return observations;
}
