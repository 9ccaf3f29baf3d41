import {
  addDays,
  chunkWindow,
  type DateWindow,
  LifeStatsError,
  localDate,
  type Observation,
  startOfLocalDay,
} from '@life-stats/core';
import type { GoogleSession } from '@life-stats/google-common';
import type { fitness_v1 } from 'googleapis/build/src/apis/fitness/v1.js';
import { createFitClient } from './fit-client.js';

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
export function aggregateRequest(window: DateWindow, timeZone: string): fitness_v1.Schema$AggregateRequest {
  return {
    aggregateBy: [{ dataSourceId: FIT_STEPS_SOURCE }],
    bucketByTime: { period: { type: 'day', value: 1, timeZoneId: timeZone } },
    startTimeMillis: String(startOfLocalDay(window.start, timeZone).getTime()),
    endTimeMillis: String(startOfLocalDay(addDays(window.end, 1), timeZone).getTime()),
  };
}

function stepsOf(bucket: fitness_v1.Schema$AggregateBucket): number | undefined {
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
  buckets: readonly fitness_v1.Schema$AggregateBucket[],
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
 * {@link FIT_MAX_DAYS_PER_REQUEST} days, through the Fitness v1 client of `googleapis`.
 */
export async function readFitSteps(session: GoogleSession, options: FitReadOptions): Promise<Observation[]> {
  // Only the Fitness module: the `googleapis` index would load every Google API (~12 MB, ~1 s).
  const { fitness_v1 } = await import('googleapis/build/src/apis/fitness/v1.js');
  options.signal.throwIfAborted();
  const client = await createFitClient(session, options.pluginId, options.signal);
  // `googleapis-common` types `auth` with its own copy of google-auth-library; the client only
  // calls `request()` and `getUniverseDomain()` on it, which this version's OAuth2Client has.
  const fitness = new fitness_v1.Fitness({
    auth: client.auth as unknown as NonNullable<ConstructorParameters<typeof fitness_v1.Fitness>[0]>['auth'],
  });
  const observations: Observation[] = [];
  for (const chunk of chunkWindow(options.window, FIT_MAX_DAYS_PER_REQUEST)) {
    const response = await client.call(() =>
      fitness.users.dataset.aggregate(
        { userId: 'me', requestBody: aggregateRequest(chunk, options.timeZone) },
        // Per call, so a root with a path (a proxy at https://host/google/) keeps it.
        { rootUrl: options.apiRootUrl, signal: options.signal, retry: false },
      ),
    );
    observations.push(...observationsFromBuckets(response.data.bucket ?? [], { ...options, window: chunk }));
  }
  return observations;
}
