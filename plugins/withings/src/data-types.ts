import type { PluginDataType } from '@life-stats/core/plugin';

/*
 * What `withings` reads from the Withings Public API, as DESIGN.md's Data types table fixes it
 * (dataType → metric, unit, what a day is), with the request that serves it.
 *
 * Sources (developer.withings.com/api-reference):
 * - "Measure - Getmeas" (`POST /measure`, `action=getmeas`): `meastype` 1 = Weight (kg), 6 = Fat
 *   Ratio (%); `category` 1 = real measures (2 = user objectives); a measure's real value is
 *   `value × 10^unit`; a measure group's `date` is the UNIX time the measures were taken.
 * - "Measure v2 - Getactivity" (`POST /v2/measure`, `action=getactivity`): one aggregate per `date`
 *   (a `Y-m-d` civil day in the activity's `timezone`); `steps` (count) and `distance` (metres)
 *   only when asked for in `data_fields`.
 * - Scopes (developer-guide, "OAuth 2.0 - Authorization URL"): `user.metrics` for measures,
 *   `user.activity` for activity, comma-separated in the consent URL.
 */

/** The Withings scopes this plugin asks for. */
export const WITHINGS_SCOPES = Object.freeze({ metrics: 'user.metrics', activity: 'user.activity' } as const);

/** How one data type is read. */
type WithingsDataType = Required<PluginDataType> & { scope: string } & (
    | {
        read: 'getmeas';
        /** The `meastype` of Getmeas. */
        meastype: number;
      }
    | {
        read: 'getactivity';
        /** The field of an activity (and the `data_fields` value asked for). */
        field: 'steps' | 'distance';
      }
  );

/** The data types of DESIGN.md's `withings` row. */
export const WITHINGS_DATA_TYPES = {
  weight: {
    metric: 'weight_kg',
    unit: 'kg',
    description: "The day's last weighing (Withings scales, or entered in the app)",
    scope: WITHINGS_SCOPES.metrics,
    read: 'getmeas',
    meastype: 1,
  },
  'body-fat': {
    metric: 'body_fat_pct',
    unit: '%',
    description: "The fat ratio of the day's last body-composition measure",
    scope: WITHINGS_SCOPES.metrics,
    read: 'getmeas',
    meastype: 6,
  },
  steps: {
    metric: 'steps',
    unit: 'count',
    description: 'Steps of the day, as Withings aggregates them (trackers, watches, the phone app)',
    scope: WITHINGS_SCOPES.activity,
    read: 'getactivity',
    field: 'steps',
  },
  distance: {
    metric: 'distance_m',
    unit: 'm',
    description: 'Distance travelled in the day, in metres',
    scope: WITHINGS_SCOPES.activity,
    read: 'getactivity',
    field: 'distance',
  },
} as const satisfies Record<string, WithingsDataType>;

/** A `dataType` value. */
export type WithingsDataTypeName = keyof typeof WITHINGS_DATA_TYPES;

/** Every `dataType` value, in the order of DESIGN.md's table. */
export const DATA_TYPE_NAMES = Object.keys(WITHINGS_DATA_TYPES) as WithingsDataTypeName[];

/** The data type of an entry (the schema's default when absent). */
export function withingsDataType(name: WithingsDataTypeName | undefined): WithingsDataType {
  return WITHINGS_DATA_TYPES[name ?? 'weight'];
}

/** The manifest's `dataTypes`: metric, unit and description only. */
export function manifestDataTypes(): Record<WithingsDataTypeName, PluginDataType> {
  return Object.fromEntries(
    Object.entries(WITHINGS_DATA_TYPES).map(([name, type]) => [
      name,
      { metric: type.metric, unit: type.unit, description: type.description },
    ]),
  ) as Record<WithingsDataTypeName, PluginDataType>;
}
