import {
  addDays,
  type DateWindow,
  isValidDate,
  LifeStatsError,
  type Observation,
  type PluginOAuthContext,
} from '@life-stats/core/plugin';
import type { StravaActivity, StravaDataType } from './data-types.js';
import { type StravaErrorContext, stravaApiError } from './strava-errors.js';

/** What a read needs. */
export interface ReadOptions {
  oauth: PluginOAuthContext;
  /** `apiRootUrl`, ending in `/`. */
  apiRootUrl: string;
  window: DateWindow;
  errors: StravaErrorContext;
}

/** The most Strava serves a page. */
export const PER_PAGE = 200;
/** More pages than an athlete's window can have (200,000 activities): past it, paging is going round. */
const MAX_PAGES = 1000;
const PATH = 'api/v3/athlete/activities';

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const epoch = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

/**
 * The `after` / `before` bounds of a window (epoch seconds, compared by Strava with `start_date`,
 * in UTC). `start_date_local` is the athlete's wall clock, up to 14 hours off UTC, so the bounds
 * reach a day further on each side; {@link observationsOf} keeps only the window's local dates.
 */
export function windowQuery(window: DateWindow): { after: number; before: number } {
  return { after: epoch(addDays(window.start, -1)), before: epoch(addDays(window.end, 2)) };
}

/** Every activity that started in the widened window, page by page until a short or empty page. */
export async function readActivities(options: ReadOptions): Promise<StravaActivity[]> {
  const prefix = `[life-stats] [plugin:${options.errors.pluginId}]`;
  const { after, before } = windowQuery(options.window);
  const activities: StravaActivity[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const url = new URL(PATH, options.apiRootUrl);
    url.searchParams.set('after', String(after));
    url.searchParams.set('before', String(before));
    url.searchParams.set('page', String(page));
    url.searchParams.set('per_page', String(PER_PAGE));
    const response = await options.oauth.fetch(url, { headers: { accept: 'application/json' } });
    const body = await readBody(response);
    if (!response.ok) throw stravaApiError(options.errors, response, body);
    if (!Array.isArray(body)) {
      throw new LifeStatsError('E_PLUGIN_FAILED', `${prefix} Strava answered ${PATH} without a list of activities`, {
        hint: 'A proxy or a change at Strava answered instead of the Strava API v3: check `apiRootUrl`.',
      });
    }
    for (const item of body) if (typeof item === 'object' && item !== null) activities.push(item as StravaActivity);
    if (body.length < PER_PAGE) return activities;
  }
  throw new LifeStatsError('E_PLUGIN_FAILED', `${prefix} Strava kept answering full pages past page ${MAX_PAGES}`, {
    hint: 'Run again later; if it persists, report it with this message.',
  });
}

/** The local date of an activity: the date part of `start_date_local` (the athlete's wall clock). */
function localDateOf(activity: StravaActivity): string | undefined {
  const local = activity.start_date_local;
  if (typeof local !== 'string') return undefined;
  const date = local.slice(0, 10);
  return isValidDate(date) ? date : undefined;
}

/**
 * One observation per local date inside the window: the data type's values of the activities
 * that started that day (`sportTypes`, when given, keeps only those `sport_type`s), summed; an
 * activity seen twice (a page boundary moving under an upload) counts once. A day without
 * activities has no observation.
 */
export function observationsOf(
  type: StravaDataType,
  activities: readonly StravaActivity[],
  window: DateWindow,
  sportTypes?: readonly string[],
): Observation[] {
  const keep = sportTypes && sportTypes.length > 0 ? new Set(sportTypes) : undefined;
  const seen = new Set<unknown>();
  const byDay = new Map<string, number>();
  for (const activity of activities) {
    if (activity.id !== undefined) {
      if (seen.has(activity.id)) continue;
      seen.add(activity.id);
    }
    const day = localDateOf(activity);
    if (day === undefined || day < window.start || day > window.end) continue;
    const sport = typeof activity.sport_type === 'string' ? activity.sport_type : activity.type;
    if (keep && (typeof sport !== 'string' || !keep.has(sport))) continue;
    const value = type.valueOf(activity);
    if (value === undefined) continue;
    byDay.set(day, (byDay.get(day) ?? 0) + value);
  }
  return [...byDay.keys()].sort().map((date) => ({ date, value: Math.round((byDay.get(date) ?? 0) * 1000) / 1000 }));
}
