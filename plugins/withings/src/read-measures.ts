import {
  addDays,
  type DateWindow,
  LifeStatsError,
  localDate,
  type Observation,
  startOfLocalDay,
} from '@life-stats/core/plugin';
import { type CallContext, callAllPages, PLUGIN_ID } from './api.js';

/*
 * Weight and body fat from "Measure - Getmeas" (developer.withings.com/api-reference#operation/measure-getmeas):
 * `POST /measure` with `action=getmeas`, `meastype`, `category=1` (real measures, not objectives),
 * `startdate`/`enddate` as UNIX times, `offset` while `more`. Each measure group has the `date`
 * the measures were taken and `measures[]` of `{ value, type, unit }`, the real value being
 * `value × 10^unit`. A day is the user's local date of `date`; its value is the day's last measure
 * (DESIGN.md: weight and body fat are the day's last sample).
 */

/** A measure group as Getmeas sends it (the fields read here). */
interface MeasureGroup {
  grpid?: number;
  /** How the group was attributed to the user: 1 = a device's measure that may be someone else's. */
  attrib?: number;
  /** UNIX seconds: when the measures were taken. */
  date?: number;
  category?: number;
  measures?: { value?: number; type?: number; unit?: number }[];
}

/** `attrib` 1: "captured by a device but may belong to other users as well" (a shared scale). */
const AMBIGUOUS = 1;

/** `value × 10^unit`, computed so that 72345 × 10^-3 is exactly 72.345 (a division, not 0.001's float). */
function realValue(value: number, unit: number): number {
  return unit < 0 ? value / 10 ** -unit : value * 10 ** unit;
}

/** The Getmeas parameters of a window of local dates in `timeZone`: its first and last second. */
function getmeasParams(meastype: number, window: DateWindow, timeZone: string): Record<string, string> {
  const start = Math.floor(startOfLocalDay(window.start, timeZone).getTime() / 1000);
  const end = Math.floor(startOfLocalDay(addDays(window.end, 1), timeZone).getTime() / 1000) - 1;
  return {
    action: 'getmeas',
    meastype: String(meastype),
    category: '1',
    startdate: String(start),
    enddate: String(end),
  };
}

/**
 * The day's last measure of `meastype` per local date inside `window`, from Getmeas groups in any
 * order: later `date` wins, then the higher `grpid` (a group re-entered at the same second).
 * Ambiguous groups (a shared scale's unattributed weighing) are left out.
 */
function observationsFromGroups(
  groups: readonly MeasureGroup[],
  meastype: number,
  window: DateWindow,
  timeZone: string,
): Observation[] {
  const last = new Map<string, { at: number; grpid: number; value: number }>();
  for (const group of groups) {
    if (group.category !== undefined && group.category !== 1) continue;
    if (group.attrib === AMBIGUOUS) continue;
    if (typeof group.date !== 'number' || !Number.isFinite(group.date)) continue;
    const measure = group.measures?.find((m) => m.type === meastype);
    if (!measure || typeof measure.value !== 'number' || typeof measure.unit !== 'number') continue;
    const value = realValue(measure.value, measure.unit);
    if (!Number.isFinite(value)) {
      throw new LifeStatsError(
        'E_PLUGIN_FAILED',
        `[life-stats] [plugin:${PLUGIN_ID}] Withings sent measure group ${group.grpid ?? '?'} with a value that is not a number`,
        { hint: 'Report it to the plugin authors with this message.' },
      );
    }
    const date = localDate(new Date(group.date * 1000), timeZone);
    if (date < window.start || date > window.end) continue;
    const grpid = group.grpid ?? 0;
    const seen = last.get(date);
    if (!seen || group.date > seen.at || (group.date === seen.at && grpid > seen.grpid)) {
      last.set(date, { at: group.date, grpid, value });
    }
  }
  return [...last.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, { value }]) => ({ date, value }));
}

/** Read a window of weight or body fat. */
export async function readMeasures(
  apiRootUrl: string,
  meastype: number,
  window: DateWindow,
  timeZone: string,
  context: CallContext,
): Promise<Observation[]> {
  const pages = await callAllPages(
    apiRootUrl,
    { service: 'measure', params: getmeasParams(meastype, window, timeZone) },
    context,
  );
  const groups = pages.flatMap((page) => (Array.isArray(page.measuregrps) ? (page.measuregrps as MeasureGroup[]) : []));
  return observationsFromGroups(groups, meastype, window, timeZone);
}
