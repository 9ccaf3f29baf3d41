import { describe, expect, it } from 'vitest';
import { exportFile, fetchDays, HK, PHONE, rec, tempFolder, WATCH } from './support.js';

const dir = tempFolder('life-stats-apple-overlap-');
const t = (time: string) => `2026-02-10 ${time}:00 +0100`;
const steps = (source: string, from: string, to: string, value: number) =>
  rec(HK.steps, source, t(from), t(to), value, 'count');

async function stepsOf(elements: Parameters<typeof exportFile>[1], sources?: string[]) {
  const { days } = await fetchDays(await exportFile(dir, elements), 'steps', sources ? { sources } : {});
  return days['2026-02-10'];
}

describe('counted once across sources (the overlap rule)', () => {
  it('counts only the watch where the watch and the iPhone recorded the same time', async () => {
    expect(await stepsOf([steps(PHONE, '08:00', '08:10', 550), steps(WATCH, '08:00', '08:10', 600)])).toBe(600);
  });

  it('counts a partly covered lower-priority sample for its uncovered share, pro rata', async () => {
    // The iPhone's 08:05–08:15 is half covered by the watch's 08:00–08:10: half of its 400 counts.
    expect(await stepsOf([steps(WATCH, '08:00', '08:10', 600), steps(PHONE, '08:05', '08:15', 400)])).toBe(800);
  });

  it('counts adjacent samples of two sources in full', async () => {
    expect(await stepsOf([steps(WATCH, '08:00', '08:10', 600), steps(PHONE, '08:10', '08:20', 300)])).toBe(900);
  });

  it('handles nested samples either way round', async () => {
    // A long iPhone sample around a short watch one: 15 of its 60 minutes are covered.
    expect(await stepsOf([steps(PHONE, '08:00', '09:00', 1200), steps(WATCH, '08:15', '08:30', 400)])).toBe(1300);
    // A short iPhone sample inside a long watch one counts nothing.
    expect(await stepsOf([steps(WATCH, '08:00', '09:00', 1000), steps(PHONE, '08:20', '08:40', 500)])).toBe(1000);
  });

  it('ranks three sources: Apple Watch, then iPhone, then the rest by name', async () => {
    const elements = [
      steps('Garmin Connect', '08:00', '08:30', 900),
      steps(PHONE, '08:05', '08:20', 300),
      steps(WATCH, '08:00', '08:10', 600),
    ];
    // Watch 600; iPhone: 5 of 15 min under the watch → 200; Garmin: 20 of 30 min under watch ∪ iPhone → 300.
    expect(await stepsOf(elements)).toBe(1100);
    // The entry's `sources` comes first: Garmin counts in full and covers both others.
    expect(await stepsOf(elements, ['Garmin Connect'])).toBe(900);
    // A listed name matches whatever its case or apostrophe; unlisted sources keep the default order.
    // iPhone first: 300; the watch's 08:00–08:10 is half under it: 300; Garmin as before: 300.
    expect(await stepsOf(elements, ["alex's iphone"])).toBe(900);
  });

  it('never lets samples of one source cancel each other', async () => {
    expect(await stepsOf([steps(WATCH, '08:00', '08:10', 100), steps(WATCH, '08:05', '08:15', 100)])).toBe(200);
  });

  it('drops an instantaneous sample at an instant a higher source covers, and keeps the others', async () => {
    const water = (source: string, time: string) => rec(HK.water, source, t(time), t(time), 250, 'mL');
    const file = await exportFile(dir, [
      water('WaterMinder', '09:00'),
      water('Waterllama', '09:00'),
      water('Waterllama', '10:00'),
    ]);
    expect((await fetchDays(file, 'water')).days).toEqual({ '2026-02-10': 500 });
  });

  it('counts the overlap within one day and across midnight on the day each sample starts', async () => {
    const elements = [
      rec(HK.steps, WATCH, '2026-02-10 23:50:00 +0100', '2026-02-11 00:10:00 +0100', 400, 'count'),
      rec(HK.steps, PHONE, '2026-02-11 00:00:00 +0100', '2026-02-11 00:20:00 +0100', 200, 'count'),
    ];
    // The iPhone's first 10 of 20 minutes are under the watch sample that started the day before.
    expect((await fetchDays(await exportFile(dir, elements), 'steps')).days).toEqual({
      '2026-02-10': 400,
      '2026-02-11': 100,
    });
  });
});

describe('sleep across sources', () => {
  const s = (source: string, from: string, to: string, value: string) =>
    rec(HK.sleep, source, from, to, `HKCategoryValueSleepAnalysis${value}`, undefined);
  const night = [
    s(PHONE, '2026-02-09 22:30:00 +0100', '2026-02-10 07:30:00 +0100', 'InBed'),
    s('AutoSleep', '2026-02-09 23:00:00 +0100', '2026-02-10 07:00:00 +0100', 'Asleep'),
    s(WATCH, '2026-02-09 23:30:00 +0100', '2026-02-10 03:00:00 +0100', 'AsleepCore'),
    s(WATCH, '2026-02-10 03:00:00 +0100', '2026-02-10 03:20:00 +0100', 'Awake'),
    s(WATCH, '2026-02-10 03:20:00 +0100', '2026-02-10 06:30:00 +0100', 'AsleepREM'),
  ];

  it('counts the watch stages, then a lower source only where the watch says nothing; in bed is never sleep', async () => {
    // Watch asleep: 210 + 190 = 400 min; AutoSleep's 480 min are covered except 23:00–23:30 and
    // 06:30–07:00 (the watch's "awake" covers it too): 60 min. InBed neither counts nor covers.
    const { days } = await fetchDays(await exportFile(dir, night), 'sleep');
    expect(days).toEqual({ '2026-02-10': 460 });
  });

  it('follows `sources` for sleep too', async () => {
    const { days } = await fetchDays(await exportFile(dir, night), 'sleep', { sources: ['AutoSleep'] });
    expect(days).toEqual({ '2026-02-10': 480 });
  });

  it('gives no sleep at all (not a zero) for a night with only "in bed"', async () => {
    const { days } = await fetchDays(await exportFile(dir, [night[0]!]), 'sleep');
    expect(days).toEqual({});
  });
});
