import {
  addDays,
  chunkWindow,
  type DateWindow,
  LifeStatsError,
  localDate,
  type Observation,
  startOfLocalDay,
} from '@life-stats/core/plugin';
import type { GoogleSession } from '@life-stats/google-common';

/*
 * Fitness v1 `users.dataset.aggregate` (developers.google.com/fit/rest/v1/reference/users/dataset/aggregate),
 * sent as a plain JSON request through the session's OAuth client:
 *
 *   POST {root}fitness/v1/users/me/dataset:aggregate
 *   { "aggregateBy": [{ "dataSourceId": "…estimated_steps" }],
 *     "bucketByTime": { "period": { "type": "day", "value": 1, "timeZoneId": "Europe/Berlin" } },
 *     "startTimeMillis": "…", "endTimeMillis": "…" }
 *   → { "bucket": [ { "startTimeMillis", "endTimeMillis", "dataset": [ { "point": [ { "value": [ { "intVal" } ] } ] } ] } ] }
 *
 * The googleapis Fitness module is not used: it brings googleapis-common, which pins its own copy
 * of google-auth-library and gaxios (about 0.4 MB of the bundle) for one request shape.
 */

/** `Schema$AggregateRequest`, as far as this plugin sends it. */
export interface AggregateRequest {
  aggregateBy: { dataSourceId: string }[];
  bucketByTime: { period: { type: 'day'; value: number; timeZoneId: string } };
  startTimeMillis: string;
  endTimeMillis: string;
}

/** `Schema$AggregateBucket`, as far as this plugin reads it. */
export interface AggregateBucket {
  startTimeMillis?: string | null;
  endTimeMillis?: string | null;
  dataset?: { point?: { value?: { intVal?: number | null; fpVal?: number | null }[] | null }[] | null }[] | null;
}

interface AggregateResponse {
  bucket?: AggregateBucket[] | null;
}

/**
 * The derived source Google Fit shows its users as their step count (merged from every device,
 * deduplicated): the one the original system read.
 */
export const FIT_STEPS_SOURCE = 'derived:com.google.step_count.delta:com.google.android.gms:estimated_steps';

/** The most days one aggregate request asks for. */
export const FIT_MAX_DAYS_PER_REQUEST = 30;

/** What a read needs besides the session. */
export interface FitReadOptions {
  pluginId: string;
  /** `apiRootUrl`, ending in `/`. */
  apiRootUrl: string;
  /** The user's IANA zone: buckets are its calendar days. */
  timeZone: string;
  window: DateWindow;
  signal: AbortSignal;
}

/**
 * The `users.dataset.aggregate` request body for a window of local days.
 *
 * `bucketByTime.period` with a `timeZoneId` makes Google cut buckets at the local midnights of that
 * zone — 23, 24 or 25 hours long — where a fixed `durationMillis` of 86 400 000 would slide by an
 * hour across every DST change and move steps to the wrong day.
 */
export function aggregateRequest(window: DateWindow, timeZone: string): AggregateRequest {
  return {
    aggregateBy: [{ dataSourceId: FIT_STEPS_SOURCE }],
    bucketByTime: { period: { type: 'day', value: 1, timeZoneId: timeZone } },
    startTimeMillis: String(startOfLocalDay(window.start, timeZone).getTime()),
    endTimeMillis: String(startOfLocalDay(addDays(window.end, 1), timeZone).getTime()),
  };
}

function stepsOf(bucket: AggregateBucket): number | undefined {
  let total: number | undefined;
  for (const dataset of bucket.dataset ?? []) {
    for (const point of dataset.point ?? []) {
      const value = point.value?.[0];
      const steps = value?.intVal ?? value?.fpVal;
      if (typeof steps === 'number' && Number.isFinite(steps)) total = (total ?? 0) + steps;
    }
  }
  return total;
}

/**
 * One observation per bucket that holds data. A bucket with no point is a day without data and
 * gives no observation — never a zero.
 *
 * @throws {LifeStatsError} when a bucket is not exactly one local day of `timeZone`: storing it
 *   under a date would shift steps between days silently.
 */
export function observationsFromBuckets(
  buckets: readonly AggregateBucket[],
  options: Pick<FitReadOptions, 'pluginId' | 'timeZone' | 'window'>,
): Observation[] {
  const { timeZone, window } = options;
  const observations: Observation[] = [];
  for (const bucket of buckets) {
    const steps = stepsOf(bucket);
    if (steps === undefined) continue;
    const start = Number(bucket.startTimeMillis);
    const end = Number(bucket.endTimeMillis);
    const date = Number.isFinite(start) ? localDate(new Date(start), timeZone) : '';
    const aligned =
      date !== '' &&
      startOfLocalDay(date, timeZone).getTime() === start &&
      startOfLocalDay(addDays(date, 1), timeZone).getTime() === end;
    if (!aligned) {
      throw new LifeStatsError(
        'E_PLUGIN_FAILED',
        `[life-stats] [plugin:${options.pluginId}] Google Fit returned a bucket that is not one local day of ${timeZone} (${bucket.startTimeMillis}..${bucket.endTimeMillis} ms); nothing was stored rather than shifting steps between days`,
        { hint: 'Check that `apiRootUrl` points at the Fitness API (or a faithful proxy of it).' },
      );
    }
    if (date < window.start || date > window.end) continue;
    observations.push({ date, value: Math.round(steps) });
  }
  return observations;
}

/**
 * Read the daily steps of `options.window` (any length): one aggregate request per
 * {@link FIT_MAX_DAYS_PER_REQUEST} days.
 */
export async function readFitSteps(session: GoogleSession, options: FitReadOptions): Promise<Observation[]> {
  // Built on the root, so a root with a path (a proxy at https://host/google/) keeps it.
  const url = `${options.apiRootUrl}fitness/v1/users/me/dataset:aggregate`;
  const observations: Observation[] = [];
  for (const chunk of chunkWindow(options.window, FIT_MAX_DAYS_PER_REQUEST)) {
    options.signal.throwIfAborted();
    const response = await session.request<AggregateResponse>({
      url,
      method: 'POST',
      data: aggregateRequest(chunk, options.timeZone),
    });
    observations.push(...observationsFromBuckets(response?.bucket ?? [], { ...options, window: chunk }));
  }
  return observations;
}
