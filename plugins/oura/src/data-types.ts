import type { PluginDataType } from '@life-stats/core/plugin';

/*
 * Every daily number `oura` reads from the Oura API v2, as DESIGN.md's Data types table fixes it
 * (dataType → metric, unit, what a day is), with the list endpoint, the document fields and the
 * OAuth scope that serve it.
 *
 * Sources: the API reference (https://cloud.ouraring.com/v2/docs): `PublicDailyActivity` (`steps`,
 * `active_calories` "in kilocalories", `score` "in range [1, 100]"), `PublicDailySleep.score`,
 * `PublicDailyReadiness.score`, `PublicModifiedSleepModel` (the `sleep` periods:
 * `total_sleep_duration` "in seconds", `lowest_heart_rate`, `type`) and `PublicSleepType`; the
 * scopes (https://cloud.ouraring.com/docs/authentication): `daily` — "Daily summaries of sleep,
 * activity and readiness" — also covers the sleep periods (oomol-lab/open-connector, checked
 * against the live API).
 */

/** The list endpoints read, by their path segment under `v2/usercollection/`. */
type OuraCollection = 'daily_activity' | 'daily_sleep' | 'daily_readiness' | 'sleep';

/** A document as Oura answers it: every field optional, as `fields` and old data make them. */
export type OuraDocument = Record<string, unknown> & { day?: unknown };

/** How one data type is read. */
export interface OuraDataType extends PluginDataType {
  collection: OuraCollection;
  /** The document fields the value needs (`fields` asks for only these, `day` always among them). */
  fields: readonly string[];
  /** The OAuth scope its endpoint needs. */
  scope: string;
  /** The value of one `day` from its documents, in `unit`; `undefined`: no data that day (no row). */
  dayValue(documents: readonly OuraDocument[]): number | undefined;
}

/** Sleep period types that are sleep: not `deleted` by the user, not `rest` (a sleep the user rejected). */
const ASLEEP_TYPES = new Set(['long_sleep', 'sleep', 'late_nap']);

const numberOf = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** The last document's number in `field` (a day has one daily summary; a repeat is a revision). */
const lastNumber =
  (field: string) =>
  (documents: readonly OuraDocument[]): number | undefined => {
    for (let i = documents.length - 1; i >= 0; i--) {
      const value = numberOf(documents[i]?.[field]);
      if (value !== undefined) return value;
    }
    return undefined;
  };

/** Minutes asleep over the day's sleep periods, naps included (`null` durations skipped). */
export function minutesAsleep(periods: readonly OuraDocument[]): number | undefined {
  const seconds = periods
    .filter((p) => p.type === undefined || p.type === null || ASLEEP_TYPES.has(String(p.type)))
    .map((p) => numberOf(p.total_sleep_duration))
    .filter((s): s is number => s !== undefined);
  if (seconds.length === 0) return undefined;
  return seconds.reduce((sum, s) => sum + s, 0) / 60;
}

/**
 * The lowest heart rate of the day's long sleep: the `long_sleep` period with the most sleep when a
 * day has two (a split night), as the Oura app shows the main sleep's.
 */
export function restingHeartRate(periods: readonly OuraDocument[]): number | undefined {
  const long = periods.filter((p) => p.type === 'long_sleep' && numberOf(p.lowest_heart_rate) !== undefined);
  if (long.length === 0) return undefined;
  const main = long.reduce((best, p) =>
    (numberOf(p.total_sleep_duration) ?? 0) > (numberOf(best.total_sleep_duration) ?? 0) ? p : best,
  );
  return numberOf(main.lowest_heart_rate);
}

const DAILY = 'daily';

/** The data types of DESIGN.md's table. */
export const OURA_DATA_TYPES = {
  steps: {
    metric: 'steps',
    unit: 'count',
    description: "Steps of Oura's day (4 a.m. to 4 a.m. local time)",
    collection: 'daily_activity',
    fields: ['day', 'steps'],
    scope: DAILY,
    dayValue: lastNumber('steps'),
  },
  'active-calories': {
    metric: 'active_energy_kcal',
    unit: 'kcal',
    description: 'Active calories burned in the day',
    collection: 'daily_activity',
    fields: ['day', 'active_calories'],
    scope: DAILY,
    dayValue: lastNumber('active_calories'),
  },
  'sleep-score': {
    metric: 'sleep_score',
    unit: 'points',
    description: 'Sleep score of the day (0–100)',
    collection: 'daily_sleep',
    fields: ['day', 'score'],
    scope: DAILY,
    dayValue: lastNumber('score'),
  },
  'readiness-score': {
    metric: 'readiness_score',
    unit: 'points',
    description: 'Readiness score of the day (0–100)',
    collection: 'daily_readiness',
    fields: ['day', 'score'],
    scope: DAILY,
    dayValue: lastNumber('score'),
  },
  'activity-score': {
    metric: 'activity_score',
    unit: 'points',
    description: 'Activity score of the day (0–100)',
    collection: 'daily_activity',
    fields: ['day', 'score'],
    scope: DAILY,
    dayValue: lastNumber('score'),
  },
  sleep: {
    metric: 'sleep_minutes',
    unit: 'min',
    description: "Total sleep of the day's sleep periods, naps included",
    collection: 'sleep',
    fields: ['day', 'type', 'total_sleep_duration'],
    scope: DAILY,
    dayValue: minutesAsleep,
  },
  'resting-heart-rate': {
    metric: 'resting_heart_rate_bpm',
    unit: 'bpm',
    description: "Lowest heart rate of the day's long sleep",
    collection: 'sleep',
    fields: ['day', 'type', 'total_sleep_duration', 'lowest_heart_rate'],
    scope: DAILY,
    dayValue: restingHeartRate,
  },
} as const satisfies Record<string, OuraDataType>;

/** A `dataType` value of an `oura` entry. */
export type OuraDataTypeName = keyof typeof OURA_DATA_TYPES;

/** Every `dataType` value, in the order of DESIGN.md's table. */
export const DATA_TYPE_NAMES = Object.keys(OURA_DATA_TYPES) as OuraDataTypeName[];

/** The data type `name` (`steps` for an entry without one). */
export function ouraDataType(name: OuraDataTypeName | undefined): OuraDataType {
  return OURA_DATA_TYPES[name ?? 'steps'];
}

/** The OAuth scopes an entry reading `dataType` needs. */
export function scopesFor(dataType: OuraDataTypeName | undefined): string[] {
  return [ouraDataType(dataType).scope];
}

/** The `dataTypes` manifest field: what core needs (metric, unit, description), nothing else. */
export function manifestDataTypes(): Record<OuraDataTypeName, PluginDataType> {
  return Object.fromEntries(
    Object.entries(OURA_DATA_TYPES).map(([name, type]) => [
      name,
      { metric: type.metric, unit: type.unit, description: type.description },
    ]),
  ) as Record<OuraDataTypeName, PluginDataType>;
}
