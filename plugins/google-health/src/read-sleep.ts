import { addDays, type DateWindow, LifeStatsError, type Observation } from '@life-stats/core/plugin';
import type { GoogleSession } from '@life-stats/google-common';
import { type CivilDateTime, formatCivilDate, type HealthReadOptions, readNumber } from './civil.js';

/*
 * Sleep is a session data type without a daily roll-up: this reads its data points with
 * `users.dataTypes.dataPoints.reconcile` (developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/reconcile;
 * googleapis@188 `health/v4`), which merges the sessions several sources recorded of one night,
 * where `list` would return each source's copy:
 *
 *   GET {root}v4/users/me/dataTypes/sleep/dataPoints:reconcile
 *       ?filter=sleep.interval.civil_end_time >= "2026-11-18" AND sleep.interval.civil_end_time < "2026-11-26"
 *       &pageSize=25&pageToken=…
 *   → { "dataPoints": [ { "name": "users/me/dataTypes/sleep/dataPoints/…", "sleep": {
 *         "interval": { "startTime", "endTime", "startUtcOffset", "endUtcOffset", "civilStartTime", "civilEndTime" },
 *         "metadata": { "nap"?, "mainSleep"?, "processed"? },
 *         "summary": { "minutesAsleep": "412", "minutesAwake", … },
 *         "stages": [ { "type": "LIGHT", "startTime", "endTime", … } ] } } ],
 *       "nextPageToken"?: "…" }
 *
 * - The filter on `sleep.interval.civil_end_time` is the documented one for sleep (developers.google.com/health/filters):
 *   `>=` and `<` only, dates as `YYYY-MM-DD`. For sleep the page size is 25 at most.
 * - A day's value is the minutes asleep of every sleep that ends on that civil day — the night the
 *   user woke up from, and naps (`metadata.nap`) that day. `summary.minutesAsleep` is Google's count
 *   (LIGHT + DEEP + REM, or ASLEEP for classic sleep; AWAKE and RESTLESS excluded); a session without
 *   a summary yet is counted from its stages the same way.
 * - A session outside the window (a proxy ignoring the filter, a day boundary Google reads
 *   differently) is dropped here: core only ever gets dates of the window.
 */

/** Sleep pages hold at most 25 sessions (the documented maximum for `sleep`). */
export const SLEEP_PAGE_SIZE = 25;
/** A runaway pagination guard: a year of nights and naps is about 30 pages. */
const MAX_PAGES = 400;
/** Stages that count as asleep, for a session Google has not summarised. */
const ASLEEP_STAGES = new Set(['LIGHT', 'DEEP', 'REM', 'ASLEEP']);

interface SleepStage {
  type?: string | null;
  startTime?: string | null;
  endTime?: string | null;
}

/** One sleep session as far as this plugin reads it (`Sleep`). */
interface SleepSession {
  interval?: {
    startTime?: string | null;
    endTime?: string | null;
    endUtcOffset?: string | null;
    civilEndTime?: CivilDateTime | null;
  } | null;
  metadata?: { nap?: boolean | null } | null;
  summary?: { minutesAsleep?: string | number | null } | null;
  stages?: SleepStage[] | null;
}

interface SleepDataPoint {
  name?: string | null;
  sleep?: SleepSession | null;
}

interface ReconcileResponse {
  dataPoints?: SleepDataPoint[] | null;
  nextPageToken?: string | null;
}

/** The AIP-160 filter for sessions ending on the civil days of `window`. */
export function sleepFilter(window: DateWindow): string {
  return `sleep.interval.civil_end_time >= "${window.start}" AND sleep.interval.civil_end_time < "${addDays(window.end, 1)}"`;
}

/** `"-18000s"` (a protobuf Duration) → seconds. */
function offsetSeconds(offset: string | null | undefined): number | undefined {
  const match = /^(-?\d+(?:\.\d+)?)s$/.exec(offset ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The civil date the session ends on: Google's `civilEndTime`, else its end instant at its own UTC offset. */
function endDate(sleep: SleepSession): string | undefined {
  const civil = formatCivilDate(sleep.interval?.civilEndTime?.date);
  if (civil) return civil;
  const end = Date.parse(sleep.interval?.endTime ?? '');
  const offset = offsetSeconds(sleep.interval?.endUtcOffset);
  if (!Number.isFinite(end) || offset === undefined) return undefined;
  return new Date(end + offset * 1000).toISOString().slice(0, 10);
}

/** Minutes asleep of one session: Google's summary, else its asleep stages. */
export function minutesAsleep(sleep: SleepSession): number | undefined {
  const summarised = readNumber(sleep.summary?.minutesAsleep);
  if (summarised !== undefined) return summarised;
  if (!sleep.stages?.length) return undefined;
  let ms = 0;
  for (const stage of sleep.stages) {
    if (!ASLEEP_STAGES.has(stage.type ?? '')) continue;
    const length = Date.parse(stage.endTime ?? '') - Date.parse(stage.startTime ?? '');
    if (Number.isFinite(length) && length > 0) ms += length;
  }
  return Math.round(ms / 60_000);
}

/**
 * The day totals of `points`: minutes asleep summed per civil end date, only dates of `window`.
 *
 * @throws {LifeStatsError} for a session with no end date or a count that is not a finite, non-negative number.
 */
export function observationsFromSleep(
  points: readonly SleepDataPoint[],
  options: { pluginId: string; window: DateWindow },
): Observation[] {
  const byDate = new Map<string, number>();
  const seen = new Set<string>();
  for (const point of points) {
    const sleep = point.sleep;
    if (!sleep) continue;
    if (point.name) {
      if (seen.has(point.name)) continue; // the same session on two pages
      seen.add(point.name);
    }
    const minutes = minutesAsleep(sleep);
    if (minutes === undefined) continue;
    const date = endDate(sleep);
    if (!date || !Number.isFinite(minutes) || minutes < 0) {
      throw new LifeStatsError(
        'E_PLUGIN_FAILED',
        `[life-stats] [plugin:${options.pluginId}] the Google Health API returned a sleep session that is not a night's sleep (end ${JSON.stringify(sleep.interval?.endTime ?? null)}, minutesAsleep ${JSON.stringify(sleep.summary?.minutesAsleep ?? null)}); nothing was stored`,
        { hint: 'Check that `apiRootUrl` points at the Google Health API (or a faithful proxy of it).' },
      );
    }
    if (date < options.window.start || date > options.window.end) continue;
    byDate.set(date, (byDate.get(date) ?? 0) + minutes);
  }
  return [...byDate].map(([date, value]) => ({ date, value })).sort((a, b) => a.date.localeCompare(b.date));
}

/** Read the daily minutes asleep of `options.window`, following every page. */
export async function readSleep(session: GoogleSession, options: HealthReadOptions): Promise<Observation[]> {
  const base = `${options.apiRootUrl}v4/users/me/dataTypes/sleep/dataPoints:reconcile`;
  const points: SleepDataPoint[] = [];
  let pageToken: string | undefined;
  let page = 0;
  do {
    options.signal.throwIfAborted();
    const query = new URLSearchParams({ filter: sleepFilter(options.window), pageSize: String(SLEEP_PAGE_SIZE) });
    if (pageToken) query.set('pageToken', pageToken);
    const response = await session.request<ReconcileResponse>({ url: `${base}?${query}`, method: 'GET' });
    points.push(...(response?.dataPoints ?? []));
    pageToken = response?.nextPageToken || undefined;
    page += 1;
  } while (pageToken && page < MAX_PAGES);
  if (pageToken) {
    throw new LifeStatsError(
      'E_PLUGIN_FAILED',
      `[life-stats] [plugin:${options.pluginId}] the Google Health API kept paging the sleep sessions of ${options.window.start}..${options.window.end} past ${MAX_PAGES} pages; nothing was stored`,
      { hint: 'Check that `apiRootUrl` points at the Google Health API (or a faithful proxy of it).' },
    );
  }
  return observationsFromSleep(points, { pluginId: options.pluginId, window: options.window });
}
