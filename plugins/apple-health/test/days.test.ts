import { describe, expect, it } from 'vitest';
import { exportFile, fetchDays, HK, PHONE, rec, tempFolder, WATCH } from './support.js';

const dir = tempFolder('life-stats-apple-days-');
const steps = (start: string, end: string, value: number, source = WATCH) =>
  rec(HK.steps, source, start, end, value, 'count');

describe('which local day a sample counts on', () => {
  it('uses the local date of its start in the user’s zone, through a DST week (Berlin, 29 March 2026)', async () => {
    const file = await exportFile(dir, [
      steps('2026-03-28 23:30:00 +0100', '2026-03-28 23:40:00 +0100', 10), // Saturday, before the change
      steps('2026-03-29 00:30:00 +0100', '2026-03-29 00:40:00 +0100', 20), // Sunday 00:30 CET
      steps('2026-03-29 03:30:00 +0200', '2026-03-29 03:40:00 +0200', 40), // Sunday, after 02:00 → 03:00
      steps('2026-03-29 23:59:00 +0200', '2026-03-30 00:05:00 +0200', 80), // Sunday's last minute (crosses midnight)
      steps('2026-03-30 00:00:00 +0200', '2026-03-30 00:10:00 +0200', 160), // Monday
    ]);
    const { days } = await fetchDays(file, 'steps', { window: { start: '2026-03-27', end: '2026-04-02' } });
    expect(days).toEqual({ '2026-03-28': 10, '2026-03-29': 140, '2026-03-30': 160 });
    // The same instants for a user in New York fall on other dates.
    const ny = await fetchDays(file, 'steps', {
      timezone: 'America/New_York',
      window: { start: '2026-03-27', end: '2026-04-02' },
    });
    // New York is UTC-4 then: Berlin's Saturday 23:30 and Sunday 00:30 are Saturday evening there,
    // Sunday 03:30 CEST is Saturday 21:30, and the two last samples are Sunday evening.
    expect(ny.days).toEqual({ '2026-03-28': 70, '2026-03-29': 240 });
  });

  it('takes the instant from each record’s own offset when the person travels', async () => {
    // Recorded in Tokyo (+0900) and in New York (-0500); the user's zone is Berlin.
    const file = await exportFile(dir, [
      steps('2026-06-10 07:00:00 +0900', '2026-06-10 07:10:00 +0900', 100), // 9 June 22:00 UTC → 10 June 00:00 Berlin
      steps('2026-06-10 06:30:00 +0900', '2026-06-10 06:40:00 +0900', 200), // 9 June 21:30 UTC → 9 June 23:30 Berlin
      steps('2026-06-12 19:30:00 -0500', '2026-06-12 19:40:00 -0500', 400), // 13 June 00:30 UTC → 13 June 02:30 Berlin
    ]);
    const { days } = await fetchDays(file, 'steps', { window: { start: '2026-06-01', end: '2026-06-30' } });
    expect(days).toEqual({ '2026-06-09': 200, '2026-06-10': 100, '2026-06-13': 400 });
  });

  it('counts a sleep sample on the local date of its start + 6 h, so a night is never split', async () => {
    const s = (start: string, end: string, value = 'AsleepCore') =>
      rec(HK.sleep, WATCH, start, end, `HKCategoryValueSleepAnalysis${value}`);
    const file = await exportFile(dir, [
      s('2026-05-04 22:10:00 +0200', '2026-05-04 23:40:00 +0200'), // 90 min, before midnight
      s('2026-05-04 23:40:00 +0200', '2026-05-05 02:00:00 +0200', 'AsleepDeep'), // 140 min, across midnight
      s('2026-05-05 02:00:00 +0200', '2026-05-05 02:30:00 +0200', 'Awake'), // not sleep
      s('2026-05-05 02:30:00 +0200', '2026-05-05 06:45:00 +0200', 'AsleepREM'), // 255 min
      s('2026-05-05 14:00:00 +0200', '2026-05-05 14:40:00 +0200', 'AsleepUnspecified'), // a nap: 40 min, same day
      s('2026-05-05 18:10:00 +0200', '2026-05-05 18:40:00 +0200', 'Asleep'), // after 18:00: next day's night
    ]);
    const { days } = await fetchDays(file, 'sleep', { window: { start: '2026-05-01', end: '2026-05-10' } });
    expect(days).toEqual({ '2026-05-05': 90 + 140 + 255 + 40, '2026-05-06': 30 });
  });

  it('returns only dates inside the window, and no date without samples (never a zero)', async () => {
    const file = await exportFile(dir, [
      steps('2026-07-01 10:00:00 +0200', '2026-07-01 10:10:00 +0200', 5),
      steps('2026-07-03 10:00:00 +0200', '2026-07-03 10:10:00 +0200', 0, PHONE), // a real zero is kept
      steps('2026-07-09 10:00:00 +0200', '2026-07-09 10:10:00 +0200', 9),
    ]);
    const { observations } = await fetchDays(file, 'steps', { window: { start: '2026-07-02', end: '2026-07-08' } });
    expect(observations).toEqual([{ date: '2026-07-03', value: 0 }]);
  });
});

describe('daily means and last samples', () => {
  it('averages resting heart rate and HRV over the day, from every source', async () => {
    const file = await exportFile(dir, [
      rec(HK.restingHr, WATCH, '2026-04-01 08:00:00 +0200', '2026-04-01 20:00:00 +0200', 52, 'count/min'),
      rec(HK.restingHr, 'Oura', '2026-04-01 07:00:00 +0200', '2026-04-01 07:00:00 +0200', 58, 'count/min'),
      rec(HK.hrv, WATCH, '2026-04-01 03:00:00 +0200', '2026-04-01 03:01:00 +0200', 41.5, 'ms'),
      rec(HK.hrv, WATCH, '2026-04-01 09:00:00 +0200', '2026-04-01 09:01:00 +0200', 48.5, 'ms'),
      rec(HK.hrv, WATCH, '2026-04-02 09:00:00 +0200', '2026-04-02 09:01:00 +0200', 60, 'ms'),
    ]);
    expect((await fetchDays(file, 'resting-heart-rate')).days).toEqual({ '2026-04-01': 55 });
    expect((await fetchDays(file, 'hrv')).days).toEqual({ '2026-04-01': 45, '2026-04-02': 60 });
  });

  it('keeps the day’s last weight and body fat, whatever the order in the file', async () => {
    const file = await exportFile(dir, [
      rec(HK.weight, 'Withings', '2026-04-01 21:00:00 +0200', '2026-04-01 21:00:00 +0200', 80.4, 'kg'),
      rec(HK.weight, 'Health', '2026-04-01 07:00:00 +0200', '2026-04-01 07:00:00 +0200', 79.6, 'kg'),
      rec(HK.bodyFat, 'Withings', '2026-04-01 07:00:00 +0200', '2026-04-01 07:00:00 +0200', 0.215, '%'),
      rec(HK.bodyFat, 'Withings', '2026-04-01 21:00:00 +0200', '2026-04-01 21:00:00 +0200', 0.218, '%'),
    ]);
    expect((await fetchDays(file, 'weight')).days).toEqual({ '2026-04-01': 80.4 });
    // The export stores a fraction with unit "%": 0.218 is 21.8 %.
    expect((await fetchDays(file, 'body-fat')).days).toEqual({ '2026-04-01': 21.8 });
  });
});
