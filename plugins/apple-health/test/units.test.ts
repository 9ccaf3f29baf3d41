import { describe, expect, it } from 'vitest';
import { exportFile, fetchDays, fetchError, HK, rec, tempFolder, WATCH } from './support.js';

const dir = tempFolder('life-stats-apple-units-');
const at = (hour: number) => `2026-09-01 ${String(hour).padStart(2, '0')}:00:00 +0200`;
const sample = (type: string, hour: number, value: number, unit: string, source = WATCH) =>
  rec(type, source, at(hour), at(hour), value, unit);

describe('units are converted to the table’s', () => {
  it('reads distance in km, mi, m and ft as metres', async () => {
    const file = await exportFile(dir, [
      rec(HK.distance, WATCH, at(8), at(9), 1.5, 'km'),
      rec(HK.distance, 'Strava', at(10), at(11), 2, 'mi'),
      rec(HK.distance, 'Nike Run Club', at(12), at(13), 250, 'm'),
      rec(HK.distance, 'Treadmill', at(14), at(15), 1000, 'ft'),
    ]);
    expect((await fetchDays(file, 'distance')).days).toEqual({ '2026-09-01': 1500 + 3218.688 + 250 + 304.8 });
  });

  it('reads weight in lb and kg on different days as kg', async () => {
    const file = await exportFile(dir, [
      rec(HK.weight, 'Withings', '2026-09-01 07:00:00 +0200', '2026-09-01 07:00:00 +0200', 180.5, 'lb'),
      rec(HK.weight, 'Health', '2026-09-02 07:00:00 +0200', '2026-09-02 07:00:00 +0200', 81.9, 'kg'),
      rec(HK.weight, 'Scale', '2026-09-03 07:00:00 +0200', '2026-09-03 07:00:00 +0200', 81500, 'g'),
    ]);
    expect((await fetchDays(file, 'weight')).days).toEqual({
      '2026-09-01': 81.873,
      '2026-09-02': 81.9,
      '2026-09-03': 81.5,
    });
  });

  it('reads energy in kcal, Cal and kJ as kcal', async () => {
    const file = await exportFile(dir, [
      rec(HK.energy, WATCH, at(8), at(9), 100, 'kcal'),
      rec(HK.energy, WATCH, at(9), at(10), 50, 'Cal'),
      rec(HK.energy, 'MyFitnessPal', at(11), at(12), 418.4, 'kJ'),
    ]);
    expect((await fetchDays(file, 'active-energy')).days).toEqual({ '2026-09-01': 250 });
  });

  it('reads water in mL, L and US fluid ounces as ml', async () => {
    const file = await exportFile(dir, [
      sample(HK.water, 8, 250, 'mL', 'WaterMinder'),
      sample(HK.water, 12, 0.5, 'L', 'WaterMinder'),
      sample(HK.water, 16, 8, 'fl_oz_us', 'WaterMinder'),
    ]);
    expect((await fetchDays(file, 'water')).days).toEqual({ '2026-09-01': 250 + 500 + 236.588 });
  });

  it('reads counts, exercise minutes, bpm and ms as they are', async () => {
    const file = await exportFile(dir, [
      rec(HK.flights, WATCH, at(8), at(9), 3, 'count'),
      rec(HK.exercise, WATCH, at(18), at(19), 1, 'min'),
      rec(HK.exercise, WATCH, at(19), at(20), 1, 'min'),
      sample(HK.restingHr, 8, 54, 'count/min'),
      sample(HK.hrv, 3, 38.25, 'ms'),
    ]);
    expect((await fetchDays(file, 'flights')).days).toEqual({ '2026-09-01': 3 });
    expect((await fetchDays(file, 'exercise-minutes')).days).toEqual({ '2026-09-01': 2 });
    expect((await fetchDays(file, 'resting-heart-rate')).days).toEqual({ '2026-09-01': 54 });
    expect((await fetchDays(file, 'hrv')).days).toEqual({ '2026-09-01': 38.25 });
  });

  it('fails clearly on a unit it does not know, naming the type and the unit', async () => {
    const file = await exportFile(dir, [sample(HK.water, 8, 1, 'cup_us')]);
    const error = await fetchError(file, 'water');
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toBe(
      `[life-stats] [plugin:apple-health] ${file}: line 99: a HKQuantityTypeIdentifierDietaryWater record has the unit "cup_us", which the plugin cannot convert to ml (it knows mL, L, dL, fl_oz_us, fl_oz_imp)`,
    );
    // Any entry of the same file fails the same way: the parse is what failed.
    expect((await fetchError(file, 'steps')).message).toContain('"cup_us"');
  });

  it('fails clearly on a value that is not a number', async () => {
    const file = await exportFile(dir, [sample(HK.steps, 8, Number.NaN, 'count')]);
    expect((await fetchError(file)).message).toContain(
      'a HKQuantityTypeIdentifierStepCount record has the value "NaN", not a number',
    );
  });
});
