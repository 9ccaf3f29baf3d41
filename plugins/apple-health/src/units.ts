/**
 * HealthKit unit strings as the export writes them (`unit="km"`, `unit="lb"`…) and their factor to
 * the unit the Data types table stores. The strings are HKUnit's: see Apple's `HKUnit` reference
 * (`unitFromString:`) — `mi`, `km`, `m`, `ft`, `yd`, `cm`; `kcal`, `Cal` (large calorie = kcal),
 * `cal`, `kJ`, `J`; `kg`, `g`, `lb`, `oz`, `st`; `mL`, `L`, `dL`, `fl_oz_us`, `fl_oz_imp`;
 * `count/min`; `ms`; `min`, `s`, `hr`; `%` (a fraction: 0.215 is 21.5 %).
 */

/** The units the plugin stores (the Data types table of DESIGN.md). */
export type StoredUnit = 'count' | 'm' | 'kcal' | 'min' | 'bpm' | 'ms' | 'kg' | '%' | 'ml';

/** Export unit → factor to the stored unit, for each stored unit. */
const FACTORS: Record<StoredUnit, Readonly<Record<string, number>>> = {
  count: { count: 1 },
  m: { m: 1, km: 1000, cm: 0.01, mi: 1609.344, ft: 0.3048, yd: 0.9144 },
  kcal: { kcal: 1, Cal: 1, cal: 0.001, kJ: 1 / 4.184, J: 1 / 4184 },
  min: { min: 1, s: 1 / 60, hr: 60 },
  bpm: { 'count/min': 1, 'count/s': 60 },
  ms: { ms: 1, s: 1000 },
  kg: { kg: 1, g: 0.001, lb: 0.45359237, oz: 0.028349523125, st: 6.35029318 },
  // HealthKit stores a percentage as a fraction and the export keeps it so: value="0.215" unit="%".
  '%': { '%': 100 },
  ml: { mL: 1, L: 1000, dL: 100, fl_oz_us: 29.5735295625, fl_oz_imp: 28.4130625 },
};

/** The factor that turns a value in `unit` into `stored`, or undefined for a unit we do not know. */
export function unitFactor(stored: StoredUnit, unit: string): number | undefined {
  const factors = FACTORS[stored];
  return Object.hasOwn(factors, unit) ? factors[unit] : undefined;
}

/** The export units accepted for a stored unit, for error messages. */
export function knownUnits(stored: StoredUnit): string[] {
  return Object.keys(FACTORS[stored]);
}
