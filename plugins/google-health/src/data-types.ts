import type { PluginDataType } from '@life-stats/core/plugin';

/*
 * Every daily number `google-health` reads from the Google Health API v4, as DESIGN.md's Data types
 * table fixes it (dataType → metric, unit, what a day is), with what the API needs to serve it.
 *
 * Sources (the REST reference and the googleapis@188 `health/v4` typings generated from it):
 * - roll-up fields and units: developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/dailyRollUp
 *   (`DailyRollupDataPoint`: `steps.countSum`, `distance.millimetersSum`, `floors.countSum`,
 *   `activeEnergyBurned.kcalSum`, `totalCalories.kcalSum`, `activeMinutes.activeMinutesRollupByActivityLevel[]`,
 *   `heartRate.beatsPerMinuteAvg`, `weight.weightGramsAvg`, `bodyFat.bodyFatPercentageAvg`,
 *   `hydrationLog.amountConsumed.millilitersSum`);
 * - range limits: `DailyRollUpDataPointsRequest.range` — "The maximum range for
 *   `calories-in-heart-rate-zone`, `heart-rate`, `active-minutes` and `total-calories` is 14 days. The
 *   maximum range for all other data types is 90 days.";
 * - scopes: developers.google.com/health/data-types (activity and fitness), …/data-types/vitals
 *   (heart rate, weight, body fat: health metrics and measurements), …/data-types/nutrition
 *   (`hydration-log`: nutrition), …/data-types/sleep (sleep).
 */

/** The `https://www.googleapis.com/auth/googlehealth.*.readonly` scopes the data types need. */
export const HEALTH_SCOPES = Object.freeze({
  activity: 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly',
  measurements: 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly',
  nutrition: 'https://www.googleapis.com/auth/googlehealth.nutrition.readonly',
  sleep: 'https://www.googleapis.com/auth/googlehealth.sleep.readonly',
} as const);

/** A roll-up point's value, as far as this plugin reads it (every field optional, as Google sends them). */
export interface RollupValues {
  steps?: { countSum?: string | number | null } | null;
  distance?: { millimetersSum?: string | number | null } | null;
  floors?: { countSum?: string | number | null } | null;
  activeEnergyBurned?: { kcalSum?: number | string | null } | null;
  totalCalories?: { kcalSum?: number | string | null } | null;
  activeMinutes?: {
    activeMinutesRollupByActivityLevel?:
      | { activityLevel?: string | null; activeMinutesSum?: string | number | null }[]
      | null;
  } | null;
  heartRate?: { beatsPerMinuteAvg?: number | string | null } | null;
  weight?: { weightGramsAvg?: number | string | null } | null;
  bodyFat?: { bodyFatPercentageAvg?: number | string | null } | null;
  hydrationLog?: { amountConsumed?: { millilitersSum?: number | string | null } | null } | null;
}

/** A raw value as Google sends it: int64 as a JSON string, double as a number. */
type Raw = string | number | null | undefined;

/** How one data type is read: a civil-day roll-up, or sleep sessions. */
export type HealthDataType = PluginDataType & {
  /** The OAuth scope its requests need. */
  scope: string;
} & (
    | {
        read: 'rollup';
        /** The most days one `dailyRollUp` request may cover. */
        maxDays: number;
        /** The day's value from its roll-up point, converted to `unit`; `undefined`: no data that day. */
        value(point: RollupValues): Raw | Raw[];
        /** Multiplies the raw value into `unit` (mm → m: 0.001). @default 1 */
        scale?: number;
      }
    | { read: 'sleep' }
  );

const ROLLUP_MAX_DAYS = 90;
const ROLLUP_MAX_DAYS_SHORT = 14;

/** The data types of DESIGN.md's table, kebab-case names as the API spells them. */
export const HEALTH_DATA_TYPES = {
  steps: {
    metric: 'steps',
    unit: 'count',
    description: 'Steps walked in the civil day',
    scope: HEALTH_SCOPES.activity,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS,
    value: (p) => p.steps?.countSum,
  },
  distance: {
    metric: 'distance_m',
    unit: 'm',
    description: 'Distance covered (Google reports millimetres)',
    scope: HEALTH_SCOPES.activity,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS,
    value: (p) => p.distance?.millimetersSum,
    scale: 0.001,
  },
  floors: {
    metric: 'floors',
    unit: 'count',
    description: 'Floors climbed',
    scope: HEALTH_SCOPES.activity,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS,
    value: (p) => p.floors?.countSum,
  },
  'active-energy-burned': {
    metric: 'active_energy_kcal',
    unit: 'kcal',
    description: 'Energy burned in activity, basal energy excluded',
    scope: HEALTH_SCOPES.activity,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS,
    value: (p) => p.activeEnergyBurned?.kcalSum,
  },
  'total-calories': {
    metric: 'total_energy_kcal',
    unit: 'kcal',
    description: 'Total energy burned, basal included',
    scope: HEALTH_SCOPES.activity,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS_SHORT,
    value: (p) => p.totalCalories?.kcalSum,
  },
  'active-minutes': {
    metric: 'active_minutes',
    unit: 'min',
    description: 'Active minutes, summed over every activity level',
    scope: HEALTH_SCOPES.activity,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS_SHORT,
    value: (p) => p.activeMinutes?.activeMinutesRollupByActivityLevel?.map((level) => level.activeMinutesSum),
  },
  'heart-rate': {
    metric: 'heart_rate_avg_bpm',
    unit: 'bpm',
    description: "The day's average heart rate",
    scope: HEALTH_SCOPES.measurements,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS_SHORT,
    value: (p) => p.heartRate?.beatsPerMinuteAvg,
  },
  weight: {
    metric: 'weight_kg',
    unit: 'kg',
    description: "The day's average weight (Google reports grams)",
    scope: HEALTH_SCOPES.measurements,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS,
    value: (p) => p.weight?.weightGramsAvg,
    scale: 0.001,
  },
  'body-fat': {
    metric: 'body_fat_pct',
    unit: '%',
    description: "The day's average body fat percentage",
    scope: HEALTH_SCOPES.measurements,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS,
    value: (p) => p.bodyFat?.bodyFatPercentageAvg,
  },
  'hydration-log': {
    metric: 'water_ml',
    unit: 'ml',
    description: 'Water (liquid) logged as drunk',
    scope: HEALTH_SCOPES.nutrition,
    read: 'rollup',
    maxDays: ROLLUP_MAX_DAYS,
    value: (p) => p.hydrationLog?.amountConsumed?.millilitersSum,
  },
  sleep: {
    metric: 'sleep_minutes',
    unit: 'min',
    description: 'Minutes asleep of the sleeps that end on the local day, naps included',
    scope: HEALTH_SCOPES.sleep,
    read: 'sleep',
  },
} as const satisfies Record<string, HealthDataType>;

/** A `dataType` value of a `google-health` entry. */
export type HealthDataTypeName = keyof typeof HEALTH_DATA_TYPES;

/** The data type `name`, typed as the union of both kinds of read. */
export function healthDataType(name: HealthDataTypeName): HealthDataType {
  return HEALTH_DATA_TYPES[name] as HealthDataType;
}

/**
 * The OAuth scopes an entry reading `dataType` needs: what `life-stats auth` must ask for. The
 * consent for a user asks for the union over their enabled `google-health*` entries.
 */
export function scopesFor(dataType: HealthDataTypeName): string[] {
  return [healthDataType(dataType).scope];
}

/** Every scope any data type needs, each once, in a stable order. */
export function allHealthScopes(): string[] {
  return [...new Set(Object.values(HEALTH_DATA_TYPES).map((type) => type.scope))];
}

/** The `dataTypes` manifest field: what core needs (metric, unit, description), nothing else. */
export function manifestDataTypes(): Record<HealthDataTypeName, PluginDataType> {
  return Object.fromEntries(
    Object.entries(HEALTH_DATA_TYPES).map(([name, type]) => [
      name,
      { metric: type.metric, unit: type.unit, description: type.description },
    ]),
  ) as Record<HealthDataTypeName, PluginDataType>;
}
