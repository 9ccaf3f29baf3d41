import type { PluginDataType } from '@life-stats/core/plugin';

/*
 * Every daily number `strava` reads, as DESIGN.md's Data types table fixes it: a sum over the
 * activities that started on the local date (`start_date_local`), or their count. Fields of
 * `SummaryActivity` (https://developers.strava.com/docs/reference/#api-models-SummaryActivity):
 * `distance` "in meters" (float), `moving_time` "in seconds" (integer), `total_elevation_gain`
 * "in meters" (float), `sport_type`.
 */

/** The fields of a `SummaryActivity` the plugin reads (every one optional, as old or odd data makes them). */
export interface StravaActivity {
  id?: unknown;
  sport_type?: unknown;
  type?: unknown;
  start_date_local?: unknown;
  distance?: unknown;
  moving_time?: unknown;
  total_elevation_gain?: unknown;
}

/** How one data type is read. */
export interface StravaDataType extends PluginDataType {
  /** The activity's contribution to its day, in `unit`; `undefined`: none (the field is missing). */
  valueOf(activity: StravaActivity): number | undefined;
}

const numberOf = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;

/** The data types of DESIGN.md's table. */
export const STRAVA_DATA_TYPES = {
  distance: {
    metric: 'distance_m',
    unit: 'm',
    description: 'Distance of the activities that started that day',
    valueOf: (a) => numberOf(a.distance),
  },
  'moving-time': {
    metric: 'moving_minutes',
    unit: 'min',
    description: 'Moving time of the activities that started that day',
    valueOf: (a) => {
      const seconds = numberOf(a.moving_time);
      return seconds === undefined ? undefined : seconds / 60;
    },
  },
  activities: {
    metric: 'activities',
    unit: 'count',
    description: 'Activities started that day',
    valueOf: () => 1,
  },
  'elevation-gain': {
    metric: 'elevation_gain_m',
    unit: 'm',
    description: 'Elevation gain of the activities that started that day',
    valueOf: (a) => numberOf(a.total_elevation_gain),
  },
} as const satisfies Record<string, StravaDataType>;

/** A `dataType` value of a `strava` entry. */
export type StravaDataTypeName = keyof typeof STRAVA_DATA_TYPES;

/** Every `dataType` value, in the order of DESIGN.md's table. */
export const DATA_TYPE_NAMES = Object.keys(STRAVA_DATA_TYPES) as StravaDataTypeName[];

/** The data type `name` (`distance` for an entry without one). */
export function stravaDataType(name: StravaDataTypeName | undefined): StravaDataType {
  return STRAVA_DATA_TYPES[name ?? 'distance'];
}

/** The `dataTypes` manifest field: what core needs (metric, unit, description), nothing else. */
export function manifestDataTypes(): Record<StravaDataTypeName, PluginDataType> {
  return Object.fromEntries(
    Object.entries(STRAVA_DATA_TYPES).map(([name, type]) => [
      name,
      { metric: type.metric, unit: type.unit, description: type.description },
    ]),
  ) as Record<StravaDataTypeName, PluginDataType>;
}
