import { addDays, type DateWindow, isValidDate, LifeStatsError, type Observation } from '@life-stats/core/plugin';
import { type CallContext, callAllPages, PLUGIN_ID } from './api.js';

/*
 * Steps and distance from "Measure v2 - Getactivity" (developer.withings.com/api-reference#operation/measurev2-getactivity):
 * `POST /v2/measure` with `action=getactivity`, `startdateymd`/`enddateymd` (Y-m-d), `data_fields`
 * (steps and distance are only sent when asked for), `offset` while `more`. Each activity is the
 * aggregate of one `date`, a civil day in the activity's own `timezone`: DESIGN.md believes a
 * provider's civil days, so that date is the stored date, whatever the user's configured zone.
 */

/** An activity as Getactivity sends it (the fields read here). */
interface Activity {
  date?: string;
  timezone?: string;
  /** UNIX seconds of its last modification. */
  modified?: number;
  steps?: number | null;
  distance?: number | null;
}

/**
 * The Getactivity parameters of a window. The reference does not say whether `enddateymd` is
 * inclusive: one day more is asked for, and what lies past the window is left out.
 */
function getactivityParams(field: string, window: DateWindow): Record<string, string> {
  return {
    action: 'getactivity',
    startdateymd: window.start,
    enddateymd: addDays(window.end, 1),
    data_fields: field,
  };
}

/**
 * One observation per activity date inside `window` that carries `field`. Should Withings send a
 * date twice, the most recently modified aggregate wins. An activity without the field (or with
 * `null`) is a day without data: no row, never an invented 0.
 */
function observationsFromActivities(
  activities: readonly Activity[],
  field: 'steps' | 'distance',
  window: DateWindow,
): Observation[] {
  const byDate = new Map<string, { modified: number; value: number }>();
  for (const activity of activities) {
    const date = activity.date;
    if (!isValidDate(date) || date < window.start || date > window.end) continue;
    const raw = activity[field];
    if (raw === undefined || raw === null) continue;
    const value = Number(raw);
    if (typeof raw !== 'number' || !Number.isFinite(value)) {
      throw new LifeStatsError(
        'E_PLUGIN_FAILED',
        `[life-stats] [plugin:${PLUGIN_ID}] Withings sent the ${field} of ${date} as ${JSON.stringify(raw).slice(0, 40)}, not a number`,
        { hint: 'Report it to the plugin authors with this message.' },
      );
    }
    const modified = typeof activity.modified === 'number' ? activity.modified : Number.NEGATIVE_INFINITY;
    const seen = byDate.get(date);
    if (!seen || modified >= seen.modified) byDate.set(date, { modified, value });
  }
  return [...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, { value }]) => ({ date, value }));
}

/** Read a window of steps or distance. */
export async function readActivity(
  apiRootUrl: string,
  field: 'steps' | 'distance',
  window: DateWindow,
  context: CallContext,
): Promise<Observation[]> {
  const pages = await callAllPages(
    apiRootUrl,
    { service: 'v2/measure', params: getactivityParams(field, window) },
    context,
  );
  const activities = pages.flatMap((page) => (Array.isArray(page.activities) ? (page.activities as Activity[]) : []));
  return observationsFromActivities(activities, field, window);
}
