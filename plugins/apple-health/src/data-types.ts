import type { StoredUnit } from './units.js';

/**
 * How a data type's samples make one number per local day:
 * - `sum`: a cumulative quantity, counted once across sources (see overlap.ts);
 * - `sleep`: minutes of the asleep samples, counted once across sources, on the night they end;
 * - `mean`: the day's mean of every sample;
 * - `last`: the day's last sample (latest start; the later one in the file on a tie).
 */
type Aggregation = 'sum' | 'sleep' | 'mean' | 'last';

/** One row of DESIGN.md's Data types table for apple-health. */
export interface DataTypeSpec {
  /** The HealthKit type identifier of the export's `Record type="…"`. */
  readonly hkType: string;
  readonly metric: string;
  readonly unit: StoredUnit;
  readonly aggregation: Aggregation;
  readonly description: string;
}

/**
 * `dataType` config value → its record type, metric and rule. Identifiers are HealthKit's
 * (`HKQuantityTypeIdentifier…`, `HKCategoryTypeIdentifierSleepAnalysis`), as the export's `type`
 * attribute writes them.
 */
export const DATA_TYPES = {
  steps: {
    hkType: 'HKQuantityTypeIdentifierStepCount',
    metric: 'steps',
    unit: 'count',
    aggregation: 'sum',
    description: 'Steps',
  },
  distance: {
    hkType: 'HKQuantityTypeIdentifierDistanceWalkingRunning',
    metric: 'distance_m',
    unit: 'm',
    aggregation: 'sum',
    description: 'Walking + running distance',
  },
  'active-energy': {
    hkType: 'HKQuantityTypeIdentifierActiveEnergyBurned',
    metric: 'active_energy_kcal',
    unit: 'kcal',
    aggregation: 'sum',
    description: 'Active energy burned',
  },
  flights: {
    hkType: 'HKQuantityTypeIdentifierFlightsClimbed',
    metric: 'floors',
    unit: 'count',
    aggregation: 'sum',
    description: 'Flights of stairs climbed',
  },
  'exercise-minutes': {
    hkType: 'HKQuantityTypeIdentifierAppleExerciseTime',
    metric: 'exercise_minutes',
    unit: 'min',
    aggregation: 'sum',
    description: 'Exercise minutes (the green ring)',
  },
  'resting-heart-rate': {
    hkType: 'HKQuantityTypeIdentifierRestingHeartRate',
    metric: 'resting_heart_rate_bpm',
    unit: 'bpm',
    aggregation: 'mean',
    description: "Resting heart rate, the day's mean",
  },
  hrv: {
    hkType: 'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
    metric: 'hrv_ms',
    unit: 'ms',
    aggregation: 'mean',
    description: "Heart rate variability (SDNN), the day's mean",
  },
  weight: {
    hkType: 'HKQuantityTypeIdentifierBodyMass',
    metric: 'weight_kg',
    unit: 'kg',
    aggregation: 'last',
    description: "Body weight, the day's last measurement",
  },
  'body-fat': {
    hkType: 'HKQuantityTypeIdentifierBodyFatPercentage',
    metric: 'body_fat_pct',
    unit: '%',
    aggregation: 'last',
    description: "Body fat percentage, the day's last measurement",
  },
  water: {
    hkType: 'HKQuantityTypeIdentifierDietaryWater',
    metric: 'water_ml',
    unit: 'ml',
    aggregation: 'sum',
    description: 'Water drunk',
  },
  sleep: {
    hkType: 'HKCategoryTypeIdentifierSleepAnalysis',
    metric: 'sleep_minutes',
    unit: 'min',
    aggregation: 'sleep',
    description: 'Minutes asleep of the night that ends on the day',
  },
} as const satisfies Record<string, DataTypeSpec>;

/** A `dataType` config value. */
export type DataTypeName = keyof typeof DATA_TYPES;

/** Every `dataType`, in the table's order. */
export const DATA_TYPE_NAMES = Object.keys(DATA_TYPES) as DataTypeName[];

/** HealthKit identifier → data type name, for the parser's one lookup per record. */
export const DATA_TYPE_BY_HK_TYPE: ReadonlyMap<string, DataTypeName> = new Map(
  DATA_TYPE_NAMES.map((name) => [DATA_TYPES[name].hkType, name]),
);

/**
 * The sleep-analysis values that are sleep. `InBed` is time in bed, `Awake` is awake; `Asleep` is
 * the pre-iOS 16 value that iOS 16 renamed `AsleepUnspecified` (HKCategoryValueSleepAnalysis).
 */
export const ASLEEP_VALUES: ReadonlySet<string> = new Set([
  'HKCategoryValueSleepAnalysisAsleep',
  'HKCategoryValueSleepAnalysisAsleepUnspecified',
  'HKCategoryValueSleepAnalysisAsleepCore',
  'HKCategoryValueSleepAnalysisAsleepDeep',
  'HKCategoryValueSleepAnalysisAsleepREM',
]);

/** Awake inside a tracked night: it counts for nothing, but overrules a lower source's "asleep". */
export const AWAKE_VALUE = 'HKCategoryValueSleepAnalysisAwake';
